/**
 * The main entry picks the native backend when the addon loads and the
 * Atomics one otherwise, and says which.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');

/** What `require(<entry>)` reports in a fresh process. */
async function probe(entry: string, env: NodeJS.ProcessEnv = {}): Promise<Record<string, unknown>> {
  const script = `
    const lib = require(${JSON.stringify(entry)});
    const m = new lib.Mutex();
    m.acquire();
    const r = new lib.RecursiveMutex();
    r.acquire(); r.acquire();
    console.log(JSON.stringify({
      backend: lib.backend,
      mutexClass: lib.Mutex.name,
      isAtomicsClass: lib.Mutex === lib.AtomicsMutex,
      handleBackend: m.handle.backend,
      count: r.count,
      reason: lib.nativeUnavailableReason ? lib.nativeUnavailableReason.message : null,
    }));`;
  const { stdout } = await run(process.execPath, ['-e', script], { env: { ...process.env, ...env }, timeout: 20_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('backend selection', function () {
  this.timeout(30_000);
  const entry = path.join(ROOT, 'dist', 'lib', 'index.js');

  (process.env.OS_MUTEX_BACKEND === 'atomics' ? it.skip : it)('uses the native backend when the addon loads', async () => {
    const seen = await probe(entry, { OS_MUTEX_BACKEND: '' });
    assert.deepEqual(seen, {
      backend: 'native', mutexClass: 'Mutex', isAtomicsClass: false, handleBackend: 'native', count: 2, reason: null,
    });
  });

  it('OS_MUTEX_BACKEND=atomics selects the Atomics classes and says why', async () => {
    const seen = await probe(entry, { OS_MUTEX_BACKEND: 'atomics' });
    assert.equal(seen.backend, 'atomics');
    assert.equal(seen.isAtomicsClass, true);
    assert.equal(seen.handleBackend, 'atomics');
    assert.equal(seen.count, 2);
    assert.match(seen.reason as string, /OS_MUTEX_BACKEND=atomics/);
  });

  it('falls back to the Atomics backend when no native binary exists', async () => {
    // A copy of the package with its compiled JavaScript but no build/ and no prebuilds/.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'os-mutex-nobinary-'));
    try {
      for (const part of ['lib', 'examples']) {
        fs.cpSync(path.join(ROOT, 'dist', part), path.join(dir, 'dist', part), { recursive: true });
      }
      fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
      // Dependencies through NODE_PATH, not a link: links need privileges on
      // Windows and are not supported across drives under Wine.
      const env = { OS_MUTEX_BACKEND: '', NODE_PATH: path.join(ROOT, 'node_modules') };
      const seen = await probe(path.join(dir, 'dist', 'lib', 'index.js'), env);
      assert.equal(seen.backend, 'atomics');
      assert.equal(seen.isAtomicsClass, true);
      assert.equal(seen.count, 2);
      assert.match(seen.reason as string, /No native build was found/);
      // and the demo runs there, on the Atomics backend
      const { stdout } = await run(process.execPath, [path.join(dir, 'dist', 'examples', 'demo.js')],
        { env: { ...process.env, ...env }, timeout: 25_000 });
      assert.match(stdout, /backend: atomics/);
      assert.match(stdout, /with a Mutex \(atomics\): 1,000,000 \(exact\)/);
      assert.match(stdout, /caught MutexDeadlockError/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

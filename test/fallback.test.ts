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

/**
 * A copy of the package with its compiled JavaScript but no build/ and no
 * prebuilds/, and the environment that finds its dependencies. Removed by `remove()`.
 */
function copyWithoutBinaries(): { dir: string; env: NodeJS.ProcessEnv; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'os-mutex-nobinary-'));
  for (const part of ['lib', 'examples']) {
    fs.cpSync(path.join(ROOT, 'dist', part), path.join(dir, 'dist', part), { recursive: true });
  }
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  // Dependencies through NODE_PATH, not a link: links need privileges on
  // Windows and are not supported across drives under Wine.
  const env = {
    OS_MUTEX_BACKEND: '', OS_MUTEX_NATIVE_BINDING: '', OS_MUTEX_NATIVE_UNAVAILABLE_WARNED: '',
    NODE_PATH: path.join(ROOT, 'node_modules'),
  };
  return { dir, env, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The warnings a fresh process prints (stderr) when it loads `entry` in the
 * main thread and then in `workers` worker threads.
 */
async function warningsOf(entry: string, env: NodeJS.ProcessEnv, workers = 0): Promise<string> {
  const script = `
    const { Worker } = require('node:worker_threads');
    require(${JSON.stringify(entry)});
    let left = ${workers};
    for (let i = 0; i < ${workers}; i++) {
      new Worker('require(' + JSON.stringify(${JSON.stringify(entry)}) + ')', { eval: true }).on('exit', () => left--);
    }`;
  const { stderr } = await run(process.execPath, ['-e', script], { env: { ...process.env, ...env }, timeout: 20_000 });
  return stderr;
}

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
    const { dir, env, remove } = copyWithoutBinaries();
    try {
      const seen = await probe(path.join(dir, 'dist', 'lib', 'index.js'), env);
      assert.equal(seen.backend, 'atomics');
      assert.equal(seen.isAtomicsClass, true);
      assert.equal(seen.count, 2);
      assert.match(seen.reason as string, /No native build was found/);
      // and the demo runs there, on the Atomics backend
      const { stdout } = await run(process.execPath, [path.join(dir, 'dist', 'examples', 'demo.js')],
        { env: { ...process.env, ...env }, timeout: 25_000 });
      assert.match(stdout, /backend: atomics/);
      assert.match(stdout, /with a Mutex \(atomics\), .*counter ([\d,]+) of \1 \(exact\)/);
      assert.match(stdout, /caught MutexDeadlockError/);
    } finally {
      remove();
    }
  });
});

describe('the fallback warning (OS_MUTEX_NATIVE_UNAVAILABLE)', function () {
  this.timeout(30_000);
  const CODE = /\[OS_MUTEX_NATIVE_UNAVAILABLE\] Warning: os-mutex: the native addon is not available/g;

  it('is emitted once, naming the reason and the remedy, when no native binary loads (main thread and 2 workers)', async () => {
    const { dir, env, remove } = copyWithoutBinaries();
    try {
      const stderr = await warningsOf(path.join(dir, 'dist', 'lib', 'index.js'), env, 2);
      assert.equal(stderr.match(CODE)?.length, 1, stderr);
      assert.match(stderr, /No native build was found/);
      assert.match(stderr, /npx os-mutex-build/);
      assert.match(stderr, /OS_MUTEX_BACKEND=atomics/);
    } finally {
      remove();
    }
  });

  it('quotes the last failed os-mutex-build outcome (build/os-mutex-build.json)', async () => {
    const { dir, env, remove } = copyWithoutBinaries();
    try {
      fs.mkdirSync(path.join(dir, 'build'));
      fs.writeFileSync(path.join(dir, 'build', 'os-mutex-build.json'), JSON.stringify({
        status: 'failed', reason: 'the source build failed (exit 1)', at: '2026-01-02T03:04:05.000Z',
      }));
      const stderr = await warningsOf(path.join(dir, 'dist', 'lib', 'index.js'), env);
      assert.match(stderr, /The last `os-mutex-build` \(2026-01-02T03:04:05.000Z\) failed: the source build failed \(exit 1\)/);
    } finally {
      remove();
    }
  });

  it('is not emitted when OS_MUTEX_BACKEND=atomics chose the Atomics backend', async () => {
    const { dir, env, remove } = copyWithoutBinaries();
    try {
      const stderr = await warningsOf(path.join(dir, 'dist', 'lib', 'index.js'), { ...env, OS_MUTEX_BACKEND: 'atomics' }, 1);
      assert.doesNotMatch(stderr, /OS_MUTEX_NATIVE_UNAVAILABLE/);
    } finally {
      remove();
    }
  });

  it('is silenced by --disable-warning=OS_MUTEX_NATIVE_UNAVAILABLE', async function () {
    if (!process.allowedNodeEnvironmentFlags.has('--disable-warning')) this.skip();
    const { dir, env, remove } = copyWithoutBinaries();
    try {
      const stderr = await warningsOf(path.join(dir, 'dist', 'lib', 'index.js'),
        { ...env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --disable-warning=OS_MUTEX_NATIVE_UNAVAILABLE` });
      assert.doesNotMatch(stderr, /OS_MUTEX_NATIVE_UNAVAILABLE/);
    } finally {
      remove();
    }
  });

  (process.env.OS_MUTEX_BACKEND === 'atomics' ? it.skip : it)('is not emitted when the native backend loads', async () => {
    const stderr = await warningsOf(path.join(ROOT, 'dist', 'lib', 'index.js'), { OS_MUTEX_BACKEND: '' }, 1);
    assert.doesNotMatch(stderr, /OS_MUTEX_NATIVE_UNAVAILABLE/);
  });
});

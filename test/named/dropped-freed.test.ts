/**
 * A thread's entry of a named lock whose objects were all dropped is freed
 * after a garbage collection (lib/services/gc-sweep.ts calls the addon's
 * namedSweep()), without the thread opening any further name: this process
 * then no longer has the name open (namedLockCount()) nor, on Linux, its
 * /dev/shm object mapped. A name still referenced, or held by the thread
 * after its objects were dropped, stays open. Run in a child process (a
 * fresh table of names, `--expose-gc`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { removeAll, SLOW, uniqueName } from './named-api';

const describeNative = process.env.OS_MUTEX_BACKEND === 'atomics' ? describe.skip : describe;
const run = promisify(execFile);

/** Runs `script` in a child with --expose-gc; its stdout, parsed. Removes `names` afterwards, whatever happened. */
async function runWithGc(script: string, names: string[]): Promise<unknown> {
  try {
    const { stdout } = await run(process.execPath, ['--expose-gc', '-e', script],
      { encoding: 'utf8', timeout: 15_000 * SLOW });
    return JSON.parse(stdout);
  } finally {
    removeAll(names);
  }
}

describeNative('named locks: dropped objects are freed after a garbage collection', function () {
  this.timeout(20_000 * SLOW);

  it('a GC closes the names whose objects were dropped, without opening another name; a referenced or held name stays open', async () => {
    const dropped = Array.from({ length: 8 }, (_, i) => uniqueName(`dropped${i}`));
    const kept = uniqueName('kept');
    const held = uniqueName('held');
    const lib = path.join(__dirname, '..', '..', 'lib');
    // Each name is mapped once (one line of /proc/self/maps) while this process has it open.
    const script = `
      const { NamedMutex, NamedRecursiveMutex } = require(${JSON.stringify(path.join(lib, 'index.js'))});
      const { namedLockCount } = require(${JSON.stringify(path.join(lib, 'native.js'))});
      const fs = require('node:fs');
      const dropped = ${JSON.stringify(dropped)};
      const kept = ${JSON.stringify(kept)};
      const held = ${JSON.stringify(held)};
      const mapped = (name) => process.platform !== 'linux' ? null
        : fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => l.endsWith('.' + name)).length;
      const state = () => ({ count: namedLockCount(), dropped: dropped.map(mapped), kept: mapped(kept), held: mapped(held) });
      // Collects and turns the event loop (FinalizationRegistry callbacks) until
      // namedLockCount() is \`until\`, at most 20 rounds.
      const settle = async (until) => {
        for (let i = 0; i < 20 && namedLockCount() !== until; i++) {
          gc();
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      (async () => {
        const out = { before: namedLockCount() };
        let keptLock = new NamedMutex(kept);
        (() => {
          dropped.forEach((name, i) => new (i % 2 === 0 ? NamedMutex : NamedRecursiveMutex)(name));
          const h = new NamedMutex(held);
          h.acquire();
        })();
        out.opened = state();
        await settle(2);
        out.collected = state();
        out.keptWorks = keptLock.tryAcquire();
        keptLock.release();
        // The held name's entry kept this thread's ownership: a new object sees it held here.
        (() => {
          const again = new NamedMutex(held);
          out.heldStillOwned = again.isOwned();
          again.release();
        })();
        keptLock = undefined;
        await settle(0);
        out.end = state();
        process.stdout.write(JSON.stringify(out));
      })();`;
    const out = await runWithGc(script, [...dropped, kept, held]) as Record<string, unknown>;
    const linux = process.platform === 'linux';
    const mapped = (n: number): number | null => (linux ? n : null);
    assert.equal(out.before, 0);
    assert.deepEqual(out.opened, { count: 10, dropped: dropped.map(() => mapped(1)), kept: mapped(1), held: mapped(1) });
    assert.deepEqual(out.collected, { count: 2, dropped: dropped.map(() => mapped(0)), kept: mapped(1), held: mapped(1) },
      'after a GC only the referenced and the held names are still open');
    assert.equal(out.keptWorks, true);
    assert.equal(out.heldStillOwned, true);
    assert.deepEqual(out.end, { count: 0, dropped: dropped.map(() => mapped(0)), kept: mapped(0), held: mapped(0) },
      'once released and dropped, the last names are closed too');
  });

  it('in a worker thread too: its GC closes the names it dropped while the worker keeps running', async () => {
    const dropped = Array.from({ length: 8 }, (_, i) => uniqueName(`worker${i}`));
    const lib = path.join(__dirname, '..', '..', 'lib');
    // The worker reports, then waits to be told to end: its exit would free its entries anyway.
    const worker = `
      const { parentPort } = require('node:worker_threads');
      const { NamedMutex } = require(${JSON.stringify(path.join(lib, 'index.js'))});
      const { namedLockCount } = require(${JSON.stringify(path.join(lib, 'native.js'))});
      (async () => {
        (() => { for (const name of ${JSON.stringify(dropped)}) new NamedMutex(name); })();
        const opened = namedLockCount();
        for (let i = 0; i < 20 && namedLockCount() !== 0; i++) {
          gc();
          await new Promise((resolve) => setImmediate(resolve));
        }
        parentPort.postMessage({ opened, collected: namedLockCount() });
      })();`;
    const script = `
      const { Worker } = require('node:worker_threads');
      const w = new Worker(${JSON.stringify(worker)}, { eval: true });
      w.once('message', (out) => { process.stdout.write(JSON.stringify(out)); w.terminate(); });
      w.once('error', (e) => { console.error(e); process.exit(1); });`;
    const out = await runWithGc(script, dropped);
    assert.deepEqual(out, { opened: 8, collected: 0 }, 'the worker still had the names it dropped open after a GC');
  });
});

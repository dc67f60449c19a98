/**
 * What only the native backend has: the process-wide lock table, its memory
 * lifetime, and the addon's own defences.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import * as native from '../lib/native';
import { collectGarbage } from './helpers/gc';
import { MutexInvalidHandleError } from '../lib/index';
import { runTask, terminateAll } from './helpers/workers';

/**
 * Creates, uses and drops `count` locks. A plain function, not a loop in the
 * async test: an async function's locals live on across its awaits, so the
 * last lock of such a loop would stay reachable.
 */
function createAndDrop(count: number, Lock: typeof native.Mutex | typeof native.RecursiveMutex): void {
  for (let i = 0; i < count; i++) {
    const m = new Lock();
    m.acquire();
    m.release();
  }
}

const describeNative = process.env.OS_MUTEX_BACKEND === 'atomics' ? describe.skip : describe;

describeNative('native backend: registry and memory', function () {
  this.timeout(120_000);
  afterEach(terminateAll);

  it('creating and dropping 100,000 mutexes with GC forced returns the registry to its baseline', async () => {
    await collectGarbage();
    const baseline = native.nativeLockCount();
    const rssBefore = process.memoryUsage().rss;
    for (let batch = 0; batch < 10; batch++) {
      createAndDrop(10_000, batch % 2 === 0 ? native.Mutex : native.RecursiveMutex);
      await collectGarbage(2);
    }
    await collectGarbage();
    assert.equal(native.nativeLockCount(), baseline, 'every dropped lock is freed');
    const growth = process.memoryUsage().rss - rssBefore;
    assert.ok(growth < 64 * 1024 * 1024, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB`);
  });

  it('a lock stays alive while any object refers to it, and its id is never reused', async () => {
    let m: native.Mutex | undefined = new native.Mutex();
    const handle = m.handle;
    const other = native.Mutex.from(handle);
    m = undefined;
    await collectGarbage();
    // `other` keeps it alive
    other.acquire();
    const again = native.Mutex.from(handle);
    assert.equal(again.isOwned(), true);
    other.release();
    const fresh = new native.Mutex();
    assert.ok((fresh.handle.id as number) > (handle.id as number));
  });

  it('from() of a handle whose lock was collected throws MutexInvalidHandleError', async () => {
    const handle = (() => new native.Mutex().handle)();
    await collectGarbage();
    assert.throws(() => native.Mutex.from(handle), (error: Error) => {
      assert.ok(error instanceof MutexInvalidHandleError);
      assert.match(error.message, /no live lock/);
      return true;
    });
  });

  it('from() of a handle made in another process says so (native locks are per process)', () => {
    const script = `const { Mutex } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'native.js'))});
      const { buffer, ...plain } = new Mutex().handle; process.stdout.write(JSON.stringify(plain));`;
    const foreign = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 }));
    assert.notEqual(foreign.pid, process.pid);
    assert.throws(() => native.Mutex.from({ ...foreign, buffer: new SharedArrayBuffer(16) }), (error: Error) => {
      assert.ok(error instanceof MutexInvalidHandleError);
      assert.match(error.message, new RegExp(`comes from process ${foreign.pid}, not this one \\(${process.pid}\\)`));
      return true;
    });
  });

  it("locks opened in a worker are freed when the worker's objects go away", async () => {
    await collectGarbage();
    const baseline = native.nativeLockCount();
    const m = new native.Mutex();
    await runTask({ impl: 'Mutex', handle: m.handle, task: 'observe' });
    assert.equal(native.nativeLockCount(), baseline + 1, 'the main thread still refers to it');
    assert.equal(m.locked(), false);
  });
});

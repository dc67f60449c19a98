/**
 * The same lock seen from several real worker threads, for every
 * implementation: mutual exclusion, contention, ownership across threads,
 * handles by workerData and by postMessage, terminate and owner death.
 */
import assert from 'node:assert/strict';
import { threadId } from 'node:worker_threads';

import { MutexNotOwnerError } from '../../lib/index';
import { IMPLEMENTATIONS } from '../helpers/implementations';
import { runTask, sleep, startWorker, terminateAll, TestWorker } from '../helpers/workers';

const WORKERS = 8;
const INCREMENTS = 100_000;

for (const impl of IMPLEMENTATIONS) {
  const { Lock } = impl;

  describe(`${impl.name}: across worker threads`, function () {
    this.timeout(60_000);
    afterEach(terminateAll);

    it(`${WORKERS} workers x ${INCREMENTS} locked increments give the exact total`, async () => {
      const m = new Lock();
      const counter = new SharedArrayBuffer(4);
      await Promise.all(Array.from({ length: WORKERS }, () => runTask({
        impl: impl.name, handle: m.handle, task: 'increment', args: { counter, iterations: INCREMENTS },
      }, 50_000)));
      assert.equal(new Int32Array(counter)[0], WORKERS * INCREMENTS);
      assert.equal(m.locked(), false);
    });

    it('a handle sent by postMessage opens the same lock in the worker', async () => {
      const m = new Lock();
      m.acquire();
      const worker = new TestWorker({ impl: impl.name, task: 'observe' });
      worker.post({ handle: m.handle });
      const seen = await worker.next('done');
      assert.equal(seen.locked, true);
      assert.equal(seen.owner, threadId);
      assert.equal(seen.isOwned, false);
      m.release();
    });

    it('a handle in workerData opens the same lock, and the worker sees owner/count/isOwned', async () => {
      const m = new Lock();
      const depth = impl.recursive ? 2 : 1;
      for (let i = 0; i < depth; i++) m.acquire();
      const seen = await runTask({ impl: impl.name, handle: m.handle, task: 'observe' });
      assert.deepEqual(
        { locked: seen.locked, owner: seen.owner, isOwned: seen.isOwned },
        { locked: true, owner: threadId, isOwned: false });
      if (impl.recursive) assert.equal(seen.count, 2);
      for (let i = 0; i < depth; i++) m.release();
    });

    it("the main thread sees a worker's ownership (owner, count, isOwned)", async () => {
      const m = new Lock();
      const depth = impl.recursive ? 3 : 1;
      const worker = await startWorker({ impl: impl.name, handle: m.handle, task: 'hold', args: { depth } });
      const held = await worker.next('held');
      assert.equal(held.isOwned, true);
      assert.equal(m.locked(), true);
      assert.equal(m.owner, worker.threadId);
      assert.equal(m.isOwned(), false);
      if (impl.recursive) assert.equal(m.count, 3);
      worker.post('release');
      await worker.next('done');
      assert.equal(m.locked(), false);
      assert.equal(m.owner, null);
    });

    it('tryAcquire() from a worker is false while the main thread holds the lock, true after', async () => {
      const m = new Lock();
      m.acquire();
      assert.equal((await runTask({ impl: impl.name, handle: m.handle, task: 'try' })).result, false);
      m.release();
      assert.equal((await runTask({ impl: impl.name, handle: m.handle, task: 'try' })).result, true);
    });

    it('a timed acquire() from a worker returns false after about the timeout, not before', async () => {
      const m = new Lock();
      m.acquire();
      const done = await runTask({ impl: impl.name, handle: m.handle, task: 'timed', args: { timeout: 200 } });
      m.release();
      assert.equal(done.result, false);
      const elapsed = done.elapsed as number;
      assert.ok(elapsed >= 199, `returned after ${elapsed} ms, before the 200 ms timeout`);
      assert.ok(elapsed < 3000, `returned after ${elapsed} ms, far past the 200 ms timeout`);
    });

    it('a timed acquire() in the main thread returns false after the timeout while a worker holds it', async () => {
      const m = new Lock();
      const worker = await startWorker({ impl: impl.name, handle: m.handle, task: 'hold' });
      await worker.next('held');
      const start = performance.now();
      assert.equal(m.acquire({ timeout: 100 }), false);
      const elapsed = performance.now() - start;
      assert.ok(elapsed >= 99 && elapsed < 3000, `elapsed ${elapsed} ms`);
      assert.equal(m.tryAcquire(), false);
      worker.post('release');
      await worker.next('done');
      assert.equal(m.acquire({ timeout: 1000 }), true);
      m.release();
    });

    it('a timed acquire() succeeds as soon as the holder releases within the timeout', async () => {
      const m = new Lock();
      m.acquire();
      const worker = new TestWorker({ impl: impl.name, handle: m.handle, task: 'timed', args: { timeout: 10_000 } });
      await worker.next('ready');
      await sleep(50);
      m.release();
      const done = await worker.next('done');
      assert.equal(done.result, true);
      assert.ok((done.elapsed as number) < 5000);
    });

    it('acquire() with no timeout blocks a worker until the holder releases', async () => {
      const m = new Lock();
      m.acquire();
      const worker = await startWorker({ impl: impl.name, handle: m.handle, task: 'block' });
      const workerThreadId = worker.threadId; // -1 once the worker has exited
      await worker.next('waiting');
      await sleep(100);
      assert.equal(m.owner, threadId, 'the waiting worker must not have taken the lock');
      m.release();
      const acquired = await worker.next('acquired');
      assert.equal(acquired.owner, workerThreadId);
      await worker.next('done');
    });

    it('release() by a worker that does not hold the lock throws MutexNotOwnerError', async () => {
      const m = new Lock();
      m.acquire();
      if (impl.recursive) m.acquire();
      const done = await runTask({ impl: impl.name, handle: m.handle, task: 'release' });
      assert.equal(done.code, 'ERR_MUTEX_NOT_OWNER');
      assert.equal(done.name, 'MutexNotOwnerError');
      assert.match(done.message as string, new RegExp(`held by thread ${threadId}`));
      assert.equal(m.owner, threadId, 'the failed release must not change the lock');
      if (impl.recursive) assert.equal(m.count, 2);
      m.release();
      if (impl.recursive) m.release();
    });

    it('release() by the main thread of a lock a worker holds throws MutexNotOwnerError', async () => {
      const m = new Lock();
      const worker = await startWorker({ impl: impl.name, handle: m.handle, task: 'hold' });
      await worker.next('held');
      assert.throws(() => m.release(), MutexNotOwnerError);
      assert.equal(m.owner, worker.threadId);
      worker.post('release');
      await worker.next('done');
    });

    it('worker.terminate() of a worker blocked in acquire() completes within a second', async () => {
      const m = new Lock();
      m.acquire();
      const worker = await startWorker({ impl: impl.name, handle: m.handle, task: 'block' });
      await worker.next('waiting');
      await sleep(100);
      const start = performance.now();
      await worker.worker.terminate();
      const elapsed = performance.now() - start;
      assert.ok(elapsed < 1000, `terminate took ${elapsed} ms`);
      // the lock is still ours and works for everyone else
      assert.equal(m.owner, threadId);
      m.release();
      assert.equal((await runTask({ impl: impl.name, handle: m.handle, task: 'try' })).result, true);
    });

    for (const die of ['return', 'process.exit', 'throw', 'terminate']) {
      const what = impl.recoversDeadOwner
        ? 'is released and marked abandoned for the next holder'
        : 'stays held (no owner-death recovery without the native addon)';
      it(`a lock held by a worker that dies (${die}) ${what}`, async () => {
        const m = new Lock();
        const depth = impl.recursive ? 2 : 1;
        const worker = await startWorker({
          impl: impl.name, handle: m.handle, task: 'hold', args: { depth, die: die === 'terminate' ? undefined : die },
        });
        const held = await worker.next('held');
        const deadThread = held.threadId;
        if (die === 'terminate') await worker.worker.terminate();
        else worker.post('die');
        await worker.exit();
        if (!impl.recoversDeadOwner) {
          assert.equal(m.owner, deadThread);
          assert.equal(m.acquire({ timeout: 50 }), false);
          return;
        }
        assert.equal(m.locked(), false);
        assert.equal(m.acquire({ timeout: 5000 }), true);
        assert.equal(m.abandoned, true);
        if (impl.recursive) assert.equal(m.count, 1);
        m.release();
        assert.equal(m.abandoned, false);
        using guard = m.lock();
        assert.equal(guard.abandoned, false, 'the abandoned mark is cleared by the next holder');
      });
    }

    if (impl.recoversDeadOwner) {
      it('a worker blocked on a lock whose holder dies gets it, marked abandoned', async () => {
        const m = new Lock();
        const holder = await startWorker({ impl: impl.name, handle: m.handle, task: 'hold', args: { die: 'return' } });
        await holder.next('held');
        const waiter = new TestWorker({ impl: impl.name, handle: m.handle, task: 'block' });
        await waiter.next('waiting');
        await sleep(100);
        holder.post('die');
        const acquired = await waiter.next('acquired');
        assert.equal(acquired.abandoned, true);
        await waiter.next('done');
        assert.equal(m.locked(), false);
      });
    }
  });
}

/**
 * Issue 12: the Atomics backend is eventually fair. Newcomers may barge, but
 * once a waiter has been parked ATOMICS_STARVE_MS, a release hands the lock
 * over to the waiter it wakes (the word is left reserved) instead of freeing
 * it for whoever comes first. Before the change, the releasing thread's
 * immediate tryAcquire() took the lock back ahead of the waiter.
 */
import assert from 'node:assert/strict';

import { AtomicsMutex, AtomicsRecursiveMutex } from '../lib/atomics';
import { ATOMICS_PARKED_SINCE_AT, ATOMICS_STARVE_MS } from '../lib/contract/layout';
import { sleep, startWorker, terminateAll } from './helpers/workers';

for (const [name, Lock] of [['AtomicsMutex', AtomicsMutex], ['AtomicsRecursiveMutex', AtomicsRecursiveMutex]] as const) {
  describe(`${name}: hand-over to a waiter parked ${ATOMICS_STARVE_MS} ms or more`, function () {
    this.timeout(10_000);
    afterEach(terminateAll);

    it('the releasing thread cannot take the lock straight back; the waiter gets it', async () => {
      const lock = new Lock();
      lock.acquire();
      const waiter = await startWorker({ impl: name, handle: lock.handle, task: 'block' });
      await waiter.next('waiting');
      // Parked: the waiter has stamped PARKED_SINCE (it does so right before Atomics.wait).
      const words = new Int32Array((lock.handle as unknown as { buffer: SharedArrayBuffer }).buffer);
      const deadline = Date.now() + 5_000;
      while (Atomics.load(words, ATOMICS_PARKED_SINCE_AT) === 0) {
        assert.ok(Date.now() < deadline, 'the waiter never parked');
        await sleep(1);
      }
      // A release while the waiter is between two of its 50 ms wait slices
      // (not parked) finds nobody to hand over to: up to 3 tries.
      let handedOver = false;
      for (let attempt = 0; attempt < 3 && !handedOver; attempt++) {
        await sleep(ATOMICS_STARVE_MS + 5);
        lock.release();
        handedOver = !lock.tryAcquire();
      }
      assert.ok(handedOver, 'the lock was taken back by the thread that released it, 3 times');
      const acquired = await waiter.next('acquired');
      assert.equal(acquired.isOwned, true);
      await waiter.next('done');
      assert.equal(lock.tryAcquire(), true, 'free again once the waiter released it');
      lock.release();
    });

    it('a waiter that times out leaves no reservation behind', async () => {
      const lock = new Lock();
      lock.acquire();
      const waiter = await startWorker({ impl: name, handle: lock.handle, task: 'timed', args: { timeout: 30 } });
      const done = await waiter.next('done');
      assert.equal(done.result, false);
      assert.ok((done.elapsed as number) >= 30, `timed out early: ${String(done.elapsed)} ms`);
      lock.release();
      assert.equal(lock.tryAcquire(), true, 'the free lock was kept for a waiter that had gone');
      lock.release();
    });
  });
}

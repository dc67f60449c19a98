/**
 * Issue 12: the Atomics backend is eventually fair. Newcomers may barge, but
 * once a waiter has been parked ATOMICS_STARVE_MS, a release hands the lock
 * over to the waiter it wakes (the word is left reserved) instead of freeing
 * it for whoever comes first. Before the change, the releasing thread's
 * immediate tryAcquire() took the lock back ahead of the waiter.
 */
import assert from 'node:assert/strict';

import { AtomicsMutex, AtomicsRecursiveMutex } from '../lib/atomics';
import {
  ATOMICS_PARKED_SINCE_AT, ATOMICS_RESERVED, ATOMICS_STARVE_MS, ATOMICS_STATE, ATOMICS_WAITERS,
} from '../lib/contract/layout';
import { sleep, startWorker, terminateAll } from './helpers/workers';

for (const [name, Lock] of [['AtomicsMutex', AtomicsMutex], ['AtomicsRecursiveMutex', AtomicsRecursiveMutex]] as const) {
  describe(`${name}: hand-over to a waiter parked ${ATOMICS_STARVE_MS} ms or more`, function () {
    this.timeout(10_000);
    afterEach(terminateAll);

    it('the releasing thread cannot take the lock straight back; the waiter gets it', async () => {
      // One try: a lock held here, a waiter parked on it for over
      // STARVE_MS, then release() and at once tryAcquire(). A hand-over
      // leaves the word RESERVED for the woken waiter, so the try fails.
      // Without one the word is free and the try usually wins the race with
      // the woken waiter, but not always (it may be running already): so a
      // try counts only when the word read right after release() is RESERVED,
      // which nothing but a hand-over writes. A release that found the
      // waiter between two of its 50 ms wait slices hands nothing over (the
      // word is free): tried again once it has parked again. A waiter that
      // took the lock before the read leaves nothing to tell: a new waiter.
      let handedOver = false;
      for (let round = 0; round < 5 && !handedOver; round++) {
        const lock = new Lock();
        lock.acquire();
        // The waiter blocks in acquire(), then keeps the lock until told to release.
        const waiter = await startWorker({ impl: name, handle: lock.handle, task: 'hold' });
        const words = new Int32Array((lock.handle as unknown as { buffer: SharedArrayBuffer }).buffer);
        let waiterHasIt = false;
        for (let attempt = 0; attempt < 3 && !handedOver && !waiterHasIt; attempt++) {
          const deadline = Date.now() + 5_000;
          while (Atomics.load(words, ATOMICS_PARKED_SINCE_AT) === 0) {
            assert.ok(Date.now() < deadline, 'the waiter never parked');
            await sleep(1);
          }
          await sleep(ATOMICS_STARVE_MS + 5);
          lock.release();
          const word = Atomics.load(words, ATOMICS_STATE);
          const taken = lock.tryAcquire();
          if (word === (ATOMICS_RESERVED | ATOMICS_WAITERS)) {
            assert.equal(taken, false, 'the releasing thread took a lock reserved for its waiter');
            handedOver = true;
          } else {
            waiterHasIt = !taken;
          }
        }
        if (!waiterHasIt && !handedOver) lock.release();
        const held = await waiter.next('held');
        assert.equal(held.isOwned, true);
        waiter.post('release');
        await waiter.next('done');
        assert.equal(lock.tryAcquire(), true, 'free again once the waiter released it');
        lock.release();
      }
      assert.ok(handedOver, 'no release handed the lock over to a waiter parked over STARVE_MS (5 waiters, 3 tries each)');
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

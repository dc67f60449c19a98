/**
 * CPython's Lib/test/lock_tests.py, ConditionTests, ported to worker threads:
 * each test thread of the Python test is a worker that opens the condition by
 * handle (fixtures/lt-condition-worker.ts); the lists and globals the threads
 * share are in shared memory (fixtures/lt-shared.ts). Timeouts are ms.
 *
 * Run over every lock class (helpers/implementations.ts) and over the
 * default lock. Python-isms adapted:
 * - RuntimeError for wait/notify without the lock is MutexNotOwnerError.
 * - `cond.acquire(False)` is `acquire({ blocking: false })`; `with cond:` is
 *   `using g = cond.lockGuard()` / `withLock`.
 * - test_acquire's "the lock cannot be acquired while the condition holds
 *   it" is asked of another thread: in the holder's own thread a
 *   non-blocking acquire is false for a plain lock but true for a recursive
 *   one (re-entry), and Python's test uses a plain Lock.
 * - Python's assertTimeout (>= 0.6 x timeout) is stricter here: our waits
 *   measure a monotonic clock, so a timed-out wait must not return before
 *   timeout - 1 ms.
 * - The condition has no spurious wake-ups by design, so the exact counts
 *   of _check_notify are asserted as Python does.
 */
import assert from 'node:assert/strict';
import { threadId } from 'node:worker_threads';

import { Condition, MutexNotOwnerError, RecursiveMutex } from '../../lib/index';
import * as native from '../../lib/native';
import { IMPLEMENTATIONS, type Implementation } from '../helpers/implementations';
import { runTask, sleep, terminateAll, TestWorker } from '../helpers/workers';
import { fixture, startBunch, waitUntil } from '../fixtures/lt-bunch';
import { decodeWaitResult } from '../fixtures/lt-condition-worker';
import { SharedCell, SharedList } from '../fixtures/lt-shared';

const WORKER = fixture('lt-condition-worker');

/** A timed-out wait may not return before its timeout (monotonic clock), with 1 ms for rounding. */
function assertTimedOut(elapsed: number, timeout: number): void {
  assert.ok(elapsed >= timeout - 1, `returned after ${elapsed.toFixed(1)} ms, before the ${timeout} ms timeout`);
  assert.ok(elapsed < timeout * 10 + 1000, `returned after ${elapsed.toFixed(1)} ms, far past the ${timeout} ms timeout`);
}

function times<T>(n: number, value: T): T[] {
  return Array.from({ length: n }, () => value);
}

interface Subject {
  /** What the describe() title says the condition is over. */
  readonly title: string;
  /** Implementation name, passed to workers for messages. */
  readonly impl: string;
  readonly recursive: boolean;
  readonly makeCondition: () => Condition;
}

const SUBJECTS: Subject[] = [
  ...IMPLEMENTATIONS.map((impl: Implementation): Subject => ({
    title: impl.name, impl: impl.name, recursive: impl.recursive,
    makeCondition: () => new Condition(new impl.Lock()),
  })),
  {
    title: 'its default lock (a new RecursiveMutex)', impl: RecursiveMutex.name, recursive: true,
    makeCondition: () => new Condition(),
  },
];

/** Runs one task in one worker and returns its 'done' message. */
async function runCondTask(subject: Subject, cond: Condition, task: string, args: Record<string, unknown> = {}) {
  const bunch = await startBunch(WORKER, { impl: subject.impl, handle: cond.handle, task, args }, 1);
  return (await bunch.finished())[0];
}

/**
 * _check_notify: five workers wait twice each; notify(3), notify(5) and
 * notifyAll() wake exactly that many, and each woken worker returns true
 * and sees the phase the main thread set before releasing the lock.
 */
async function checkNotify(subject: Subject, cond: Condition): Promise<void> {
  const N = 5;
  const ready = new SharedList();
  const results1 = new SharedList();
  const results2 = new SharedList();
  const phase = new SharedCell();
  const r1 = (): string[] => results1.values().map(decodeWaitResult);
  const r2 = (): string[] => results2.values().map(decodeWaitResult);
  const state = (): string => `ready=${ready.length} results1=[${r1().join(', ')}] results2=[${r2().join(', ')}]`;
  const bunch = await startBunch(WORKER, {
    impl: subject.impl, handle: cond.handle, task: 'checkNotify',
    args: { ready: ready.buffer, results1: results1.buffer, results2: results2.buffer, phase: phase.buffer },
  }, N);

  // Each worker says 'ready' holding the lock, so once N did and the main
  // thread has the lock, all N are registered waiters.
  await waitUntil(() => ready.length >= N, () => `${N} workers are in their first wait (${state()})`);
  ready.clear();
  assert.deepEqual(r1(), []);

  // Phase 1: notify(3) wakes three.
  cond.acquire();
  cond.notify(3);
  await sleep(30); // notified workers cannot return before the release
  phase.value = 1;
  cond.release();
  await waitUntil(() => results1.length >= 3, () => `3 workers return from their first wait (${state()})`);
  assert.deepEqual(r1(), times(3, 'true@phase1'));
  assert.deepEqual(r2(), []);

  // Phase 2: the three woken are back in their second wait; notify(5)
  // wakes the two still in their first wait and those three.
  await waitUntil(() => ready.length >= 3, () => `the 3 woken workers wait again (${state()})`);
  cond.acquire();
  cond.notify(5);
  await sleep(50);
  phase.value = 2;
  cond.release();
  await waitUntil(() => results1.length + results2.length >= N + 3, () => `8 waits returned (${state()})`);
  assert.deepEqual(r1(), [...times(3, 'true@phase1'), ...times(2, 'true@phase2')],
    'a fourth worker woke in phase 1, or one of the two left did not wake in phase 2');
  assert.deepEqual(r2(), times(3, 'true@phase2'));

  // Phase 3: all five in their second wait; notifyAll() wakes them all.
  await waitUntil(() => ready.length >= N, () => `all ${N} workers are in their second wait (${state()})`);
  cond.acquire();
  cond.notifyAll();
  await sleep(50);
  phase.value = 3;
  cond.release();
  await waitUntil(() => results2.length >= N, () => `${N} second waits returned (${state()})`);
  assert.deepEqual(r1(), [...times(3, 'true@phase1'), ...times(2, 'true@phase2')]);
  assert.deepEqual(r2(), [...times(3, 'true@phase2'), ...times(2, 'true@phase3')]);
  await bunch.finished();
  assert.equal(cond.waiting, 0);
}

for (const subject of SUBJECTS) {
  describe(`lock_tests.py ConditionTests: Condition over ${subject.title}`, function () {
    this.timeout(30_000);
    afterEach(terminateAll);

    it('test_acquire: acquire/release/lockGuard of the condition are those of its lock', async () => {
      const cond = subject.makeCondition();
      const lock = cond.lock;
      const otherThreadGets = async (): Promise<boolean> =>
        (await runCondTask(subject, cond, 'tryAcquire')).result as boolean;

      if (subject.recursive) {
        // Python's default RLock: the condition can be acquired several times.
        cond.acquire();
        cond.acquire();
        assert.equal((lock as RecursiveMutex).count, 2);
        cond.release();
        cond.release();
        assert.equal(lock.locked(), false);
      }
      cond.acquire();
      assert.equal(lock.owner, threadId);
      assert.equal(await otherThreadGets(), false);
      // In the holding thread, a non-blocking acquire re-enters a recursive lock and is false for a plain one.
      if (subject.recursive) {
        assert.equal(lock.acquire({ blocking: false }), true);
        lock.release();
      } else {
        assert.equal(lock.acquire({ blocking: false }), false);
      }
      cond.release();
      assert.equal(lock.locked(), false);

      assert.equal(lock.acquire({ blocking: false }), true);
      assert.equal(await otherThreadGets(), false, 'the lock held directly keeps the condition from another thread');
      lock.release();
      {
        using guard = cond.lockGuard();
        assert.equal(guard.abandoned, false);
        assert.equal(lock.isOwned(), true);
        assert.equal(await otherThreadGets(), false);
      }
      assert.equal(lock.locked(), false);
      assert.equal(await otherThreadGets(), true);
      assert.throws(() => cond.withLock(() => {
        throw new TypeError('inside');
      }), TypeError);
      assert.equal(lock.locked(), false, 'withLock released the lock on throw');
    });

    it('test_unacquired_wait / test_unacquired_notify: MutexNotOwnerError without the lock', async () => {
      const cond = subject.makeCondition();
      assert.throws(() => cond.wait(), MutexNotOwnerError);
      assert.throws(() => cond.wait(10), MutexNotOwnerError);
      assert.throws(() => cond.notify(), MutexNotOwnerError);
      assert.throws(() => cond.notifyAll(), MutexNotOwnerError);
      assert.throws(() => cond.waitFor(() => false, 10), MutexNotOwnerError);
      assert.throws(() => cond.waitAsync(), MutexNotOwnerError, 'waitAsync throws synchronously');
      assert.equal(cond.waiting, 0, 'a refused wait leaves no waiter behind');
      // Another thread holding the lock is not enough.
      cond.acquire();
      const done = await runCondTask(subject, cond, 'unowned');
      for (const what of ['wait', 'notify', 'notifyAll']) {
        assert.deepEqual({ name: (done[what] as { name: string }).name, code: (done[what] as { code: string }).code },
          { name: 'MutexNotOwnerError', code: 'ERR_MUTEX_NOT_OWNER' }, what);
      }
      assert.equal(cond.lock.owner, threadId, "the refused calls did not touch the main thread's hold");
      cond.release();
    });

    it('test_notify: notify(3), notify(5), notifyAll() wake exactly that many of 5 waiting workers (twice)', async () => {
      const cond = subject.makeCondition();
      await checkNotify(subject, cond);
      // A second time, to check internal state is still ok.
      await checkNotify(subject, cond);
    });

    it('test_timeout: wait(200) in 5 workers returns false after the timeout, not before, holding the lock', async () => {
      const cond = subject.makeCondition();
      const timeout = 200;
      const bunch = await startBunch(WORKER, {
        impl: subject.impl, handle: cond.handle, task: 'timedWait', args: { timeout },
      }, 5);
      for (const done of await bunch.finished()) {
        assert.equal(done.result, false);
        assertTimedOut(done.elapsed as number, timeout);
        assert.equal(done.ownedAfter, true);
      }
      assert.equal(cond.waiting, 0);
    });

    it('test_timeout in the main thread: wait(0) and wait(50) are false, and the lock is held again after', () => {
      const cond = subject.makeCondition();
      cond.acquire();
      let start = performance.now();
      assert.equal(cond.wait(0), false);
      assert.ok(performance.now() - start < 1000);
      assert.equal(cond.lock.isOwned(), true);
      start = performance.now();
      assert.equal(cond.wait(50), false);
      assertTimedOut(performance.now() - start, 50);
      assert.equal(cond.lock.isOwned(), true);
      assert.equal(cond.waiting, 0);
      cond.release();
    });

    it('test_waitfor: waitFor(state == 4) returns true once the 4th notified increment lands', async () => {
      const cond = subject.makeCondition();
      const state = new SharedCell();
      const bunch = await startBunch(WORKER, {
        impl: subject.impl, handle: cond.handle, task: 'waitFor', args: { state: state.buffer, target: 4 },
      }, 1);
      for (let i = 0; i < 4; i++) {
        await sleep(10);
        cond.withLock(() => {
          state.add(1);
          cond.notify();
        });
      }
      const [done] = await bunch.finished();
      assert.equal(done.result, true);
      assert.equal(done.stateSeen, 4);
      // Checked once on entry and once per notify at most: no spurious wake-ups.
      assert.ok((done.calls as number) <= 5, `the predicate ran ${done.calls} times for 4 notifies`);
    });

    it('test_waitfor_timeout: waitFor(state == 4, 100) is false after 100 ms when only 3 increments come', async () => {
      const cond = subject.makeCondition();
      const state = new SharedCell();
      const bunch = await startBunch(WORKER, {
        impl: subject.impl, handle: cond.handle, task: 'waitFor', args: { state: state.buffer, target: 4, timeout: 100 },
      }, 1);
      for (let i = 0; i < 3; i++) {
        await sleep(10);
        cond.withLock(() => {
          state.add(1);
          cond.notify();
        });
      }
      const [done] = await bunch.finished();
      assert.equal(done.result, false);
      assertTimedOut(done.elapsed as number, 100);
    });

    it("waitFor returns the predicate's last value, checks it before waiting, and keeps the lock", () => {
      const cond = subject.makeCondition();
      cond.acquire();
      assert.equal(cond.waitFor(() => 'ready'), 'ready', 'a true predicate returns at once, no timeout needed');
      assert.equal(cond.waitFor(() => 0, 20), 0, 'the falsy last value, not false');
      assert.equal(cond.waitFor(() => null, 0), null);
      assert.equal(cond.lock.isOwned(), true);
      cond.release();
    });

    const depth = subject.recursive ? 3 : 1;
    it(`wait() releases the lock fully (held ${depth}x) and restores the holder's count after`, async () => {
      const cond = subject.makeCondition();
      const lock = cond.lock as typeof cond.lock & { count?: number };
      const worker = new TestWorker({
        impl: subject.impl, handle: cond.handle as never, task: 'recursiveWait', args: { depth, timeout: 10_000 },
      }, WORKER);
      const waiting = await worker.next('waiting');
      if (subject.recursive) assert.equal(waiting.count, depth);
      // The worker posted 'waiting' holding the lock; we get it only once wait() released every hold.
      assert.equal(cond.acquire({ timeout: 5000 }), true, 'wait() did not release the lock');
      assert.equal(lock.owner, threadId);
      if (subject.recursive) assert.equal(lock.count, 1);
      cond.notify();
      cond.release();
      const done = await worker.next('done');
      assert.deepEqual(done.result, true);
      assert.equal(done.isOwned, true);
      assert.equal(done.owner, worker.threadId);
      if (subject.recursive) assert.equal(done.count, depth, 'the count was not restored');
      await worker.exit();
      assert.equal(lock.locked(), false);
    });

    it('notify() with nobody waiting is a no-op and is not remembered; notify(0) wakes nobody', async () => {
      const cond = subject.makeCondition();
      cond.acquire();
      cond.notify();
      cond.notifyAll();
      assert.equal(cond.wait(20), false, 'an earlier notify() woke a later wait');
      cond.release();
      const worker = new TestWorker({
        impl: subject.impl, handle: cond.handle as never, task: 'blockWait',
      }, WORKER);
      await worker.next('waiting');
      cond.withLock(() => cond.notify(0));
      await waitUntil(() => cond.waiting === 1, () => 'the worker waits');
      await sleep(50);
      assert.equal(cond.waiting, 1);
      cond.withLock(() => cond.notify(1));
      assert.equal((await worker.next('done')).result, true);
      await worker.exit();
    });

    it('waitAsync() in the main thread is woken by a worker\'s notify() and settles holding the lock', async () => {
      const cond = subject.makeCondition();
      cond.acquire();
      const waited = cond.waitAsync({ timeout: 10_000 });
      assert.equal(cond.lock.locked(), false, 'waitAsync released the lock at once');
      await runCondTask(subject, cond, 'notify', { n: 1 });
      assert.equal(await waited, true);
      assert.equal(cond.lock.isOwned(), true);
      cond.release();
      // And its timeout, as test_timeout's.
      cond.acquire();
      const start = performance.now();
      assert.equal(await cond.waitAsync({ timeout: 50 }), false);
      assertTimedOut(performance.now() - start, 50);
      assert.equal(cond.lock.isOwned(), true);
      cond.release();
    });

    it('worker.terminate() of a worker blocked in wait() completes within a second', async () => {
      const cond = subject.makeCondition();
      const worker = new TestWorker({ impl: subject.impl, handle: cond.handle as never, task: 'blockWait' }, WORKER);
      await worker.next('waiting');
      await waitUntil(() => cond.waiting === 1 && !cond.lock.locked(), () => 'the worker waits');
      await sleep(50);
      const start = performance.now();
      await worker.worker.terminate();
      const elapsed = performance.now() - start;
      assert.ok(elapsed < 1000, `terminate took ${elapsed.toFixed(0)} ms`);
      // The condition and its lock still work.
      cond.acquire();
      assert.equal(cond.wait(10), false);
      cond.release();
    });

    // Slots of a thread that dies waiting are freed by the native addon's cleanup hook.
    const reaped = native.available;
    it(`a terminated waiter ${reaped ? 'is removed and never swallows a notify()' : 'stays registered without the native addon'}`, async () => {
      const cond = subject.makeCondition();
      const older = new TestWorker({ impl: subject.impl, handle: cond.handle as never, task: 'blockWait' }, WORKER);
      await older.next('waiting');
      await waitUntil(() => cond.waiting === 1, () => 'the first worker waits');
      const younger = new TestWorker({ impl: subject.impl, handle: cond.handle as never, task: 'blockWait' }, WORKER);
      await younger.next('waiting');
      await waitUntil(() => cond.waiting === 2 && !cond.lock.locked(), () => 'both workers wait');
      await older.worker.terminate();
      if (!reaped) {
        assert.equal(cond.waiting, 2);
        await younger.worker.terminate();
        return;
      }
      await waitUntil(() => cond.waiting === 1, () => `the dead waiter is removed (waiting=${cond.waiting})`);
      assert.equal(cond.deaths, 1);
      cond.withLock(() => cond.notify(1)); // the oldest live waiter: the younger worker
      assert.equal((await younger.next('done', 5000)).result, true);
      await younger.exit();
    });
  });
}

describe('lock_tests.py ConditionTests: Condition() with no lock', () => {
  it('test_acquire: the default lock is recursive (a RecursiveMutex of the chosen backend)', async () => {
    const cond = new Condition();
    assert.ok(cond.lock instanceof RecursiveMutex);
    cond.acquire();
    cond.acquire();
    cond.release();
    cond.release();
    assert.equal(cond.lock.locked(), false);
    const done = await runTask({ impl: RecursiveMutex.name, handle: cond.lock.handle, task: 'try' });
    assert.equal(done.result, true);
  });
});

/**
 * CPython's Lib/test/lock_tests.py, EventTests, ported to worker threads:
 * each test thread is a worker that opens the event by handle
 * (fixtures/lt-event-worker.ts); results come back in shared memory.
 * Timeouts are ms. Run over the `lock` option given a native Mutex and an
 * AtomicsMutex.
 *
 * Python-isms adapted:
 * - Python sleeps (wait_threads_blocked) until the threads are probably
 *   blocked; here the main thread waits until the event's condition counts
 *   them as waiters, so set()-then-clear() cannot come before a wait.
 * - test_at_fork_reinit / test_reset_internal_locks are not applicable:
 *   there is no fork() of a Node process with live workers, and no
 *   internal lock to re-create.
 * - repr is util.inspect.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';

import { Condition } from '../../lib/index';
import { Event } from '../../lib/api/event';
import { IMPLEMENTATIONS } from '../helpers/implementations';
import { sleep, terminateAll } from '../helpers/workers';
import { fixture, startBunch, waitUntil } from '../fixtures/lt-bunch';
import { SharedList } from '../fixtures/lt-shared';

const WORKER = fixture('lt-event-worker');
const LOCKS = IMPLEMENTATIONS.filter((impl) => !impl.recursive);

function times<T>(n: number, value: T): T[] {
  return Array.from({ length: n }, () => value);
}

/** How many threads wait on the event now (its condition's waiter count). */
function waiters(evt: Event): () => number {
  const condition = Condition.from(evt.handle.condition);
  return () => condition.waiting;
}

for (const impl of LOCKS) {
  const make = (): Event => new Event({ lock: new impl.Lock() });

  describe(`lock_tests.py EventTests: Event over ${impl.name}`, function () {
    this.timeout(30_000);
    afterEach(terminateAll);

    it('test_is_set: set() and clear() raise and lower the flag, each idempotent', () => {
      const evt = make();
      assert.equal(evt.isSet(), false);
      evt.set();
      assert.equal(evt.isSet(), true);
      evt.set();
      assert.equal(evt.isSet(), true);
      evt.clear();
      assert.equal(evt.isSet(), false);
      evt.clear();
      assert.equal(evt.isSet(), false);
    });

    /** _check_notify: 5 workers block in wait(); one set() releases every wait, the first and the second. */
    async function checkNotify(evt: Event): Promise<void> {
      const N = 5;
      const results1 = new SharedList();
      const results2 = new SharedList();
      const waiting = waiters(evt);
      const bunch = await startBunch(WORKER, {
        impl: impl.name, handle: evt.handle, task: 'waitTwice', args: { results1: results1.buffer, results2: results2.buffer },
      }, N);
      await waitUntil(() => waiting() === N, () => `${N} workers wait (${waiting()} do)`);
      await sleep(20);
      assert.equal(results1.length, 0, 'a wait() returned before set()');
      evt.set();
      await bunch.finished();
      assert.deepEqual(results1.values(), times(N, 1));
      assert.deepEqual(results2.values(), times(N, 1));
    }

    it('test_notify: set() wakes every waiting worker (twice, the second time after set/clear)', async () => {
      const evt = make();
      await checkNotify(evt);
      // Another time, after an explicit clear().
      evt.set();
      evt.clear();
      await checkNotify(evt);
    });

    it('test_timeout: wait(0) and wait(200) are false while unset (not before 200 ms), true once set', async () => {
      const evt = make();
      const timeout = 200;
      let bunch = await startBunch(WORKER, { impl: impl.name, handle: evt.handle, task: 'timedWaits', args: { timeout } }, 5);
      for (const done of await bunch.finished()) {
        assert.equal(done.immediate, false);
        assert.equal(done.result, false);
        const elapsed = done.elapsed as number;
        assert.ok(elapsed >= timeout - 1, `returned after ${elapsed.toFixed(1)} ms, before the ${timeout} ms timeout`);
        assert.ok(elapsed < timeout * 10 + 1000, `returned after ${elapsed.toFixed(1)} ms`);
      }
      // The event is set.
      evt.set();
      bunch = await startBunch(WORKER, { impl: impl.name, handle: evt.handle, task: 'timedWaits', args: { timeout } }, 5);
      for (const done of await bunch.finished()) {
        assert.equal(done.immediate, true);
        assert.equal(done.result, true);
        assert.ok((done.elapsed as number) < timeout, 'a wait on a set event returned at once');
      }
    });

    it('test_set_and_clear: wait() is true for a set() even when clear() came before the waiter woke', async () => {
      const evt = make();
      const N = 5;
      const waiting = waiters(evt);
      const bunch = await startBunch(WORKER, {
        impl: impl.name, handle: evt.handle, task: 'waitOnce', args: { timeout: 10_000 },
      }, N);
      await waitUntil(() => waiting() === N, () => `${N} workers wait (${waiting()} do)`);
      evt.set();
      evt.clear();
      const done = await bunch.finished();
      assert.deepEqual(done.map((d) => d.result), times(N, true));
      assert.equal(evt.isSet(), false);
    });

    it('test_repr: inspect shows set / unset', () => {
      const evt = make();
      assert.match(inspect(evt), /^Event \{ unset \}$/);
      evt.set();
      assert.match(inspect(evt), /^Event \{ set \}$/);
    });

    it('waitAsync() in the main thread: false after its timeout, true when set() comes later', async () => {
      const evt = make();
      const start = performance.now();
      assert.equal(await evt.waitAsync({ timeout: 50 }), false);
      assert.ok(performance.now() - start >= 49);
      const pending = evt.waitAsync({ timeout: 10_000 });
      setTimeout(() => evt.set(), 20);
      assert.equal(await pending, true);
    });
  });
}

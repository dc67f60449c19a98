/**
 * CPython's Lib/test/lock_tests.py, BaseSemaphoreTests, SemaphoreTests and
 * BoundedSemaphoreTests, ported to worker threads: each test thread is a
 * worker that opens the semaphore by handle (fixtures/lt-semaphore-worker.ts);
 * the lists and globals the threads share are in shared memory. Timeouts
 * are ms. Run for Semaphore and BoundedSemaphore over their `lock` option
 * given a native Mutex and an AtomicsMutex.
 *
 * Python-isms adapted:
 * - ValueError for a negative value is RangeError (ERR_OUT_OF_RANGE); the
 *   BoundedSemaphore's over-release ValueError is SemaphoreOverflowError
 *   (ERR_MUTEX_SEMAPHORE_OVERFLOW), and changes nothing.
 * - `acquire(False)` is `tryAcquire()` / `acquire({ blocking: false })`;
 *   `acquire(False, timeout=1)` is a TypeError, as for a Mutex.
 * - `with sem:` is `using p = sem.permit()` / `withPermit`.
 * - test_acquire_destroy (`del` of an acquired semaphore) has no analogue:
 *   objects are not destroyed on demand and permits are not owned.
 * - repr is util.inspect.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';

import { BoundedSemaphore, Semaphore } from '../../lib/api/semaphore';
import { IMPLEMENTATIONS } from '../helpers/implementations';
import { sleep, terminateAll } from '../helpers/workers';
import { fixture, startBunch, waitUntil } from '../fixtures/lt-bunch';
import { SharedCell, SharedList } from '../fixtures/lt-shared';

const WORKER = fixture('lt-semaphore-worker');

function times<T>(n: number, value: T): T[] {
  return Array.from({ length: n }, () => value);
}

const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);

/** The plain lock classes (a native Mutex, an AtomicsMutex), as the `lock` option. */
const LOCKS = IMPLEMENTATIONS.filter((impl) => !impl.recursive);

for (const impl of LOCKS) {
  for (const Class of [Semaphore, BoundedSemaphore]) {
    const bounded = Class === BoundedSemaphore;
    const make = (value?: number): Semaphore => new Class(value, { lock: new impl.Lock() });

    /**
     * test_acquire_contended / test_multirelease: 10 workers acquire twice
     * from Semaphore(7) (one permit held by the main thread); 6, then 7, then
     * 6 permits released are taken by exactly that many acquires, each seeing
     * the phase of its release.
     */
    async function checkContended(release: (sem: Semaphore, n: number) => void): Promise<void> {
      const sem = make(7);
      sem.acquire();
      const phase = new SharedCell();
      const results = new SharedList();
      const results1 = new SharedList();
      const results2 = new SharedList();
      const taken = (): number[] => [...results1.values(), ...results2.values()];
      const state = (): string => `results1=[${results1.values()}] results2=[${results2.values()}]`;
      const bunch = await startBunch(WORKER, {
        impl: impl.name, handle: sem.handle, task: 'acquireTwice',
        args: { phase: phase.buffer, results: results.buffer, results1: results1.buffer, results2: results2.buffer },
      }, 10);

      await waitUntil(() => taken().length >= 6, () => `6 acquires went through (${state()})`);
      await sleep(30); // a seventh would show as an extra phase-0 entry below
      assert.deepEqual(taken(), times(6, 0));
      assert.equal(sem.value, 0);

      phase.value = 1;
      release(sem, 7);
      await waitUntil(() => taken().length >= 13, () => `13 acquires went through (${state()})`);
      assert.deepEqual(sorted(taken()), [...times(6, 0), ...times(7, 1)]);

      phase.value = 2;
      release(sem, 6);
      await waitUntil(() => taken().length >= 19, () => `19 acquires went through (${state()})`);
      assert.deepEqual(sorted(taken()), [...times(6, 0), ...times(7, 1), ...times(6, 2)]);
      // The semaphore is still taken: one worker still waits.
      assert.equal(sem.acquire({ blocking: false }), false);
      // Final release, to let the last worker finish.
      sem.release();
      await bunch.finished();
      assert.deepEqual(results.values(), times(20, 1), 'every blocking acquire() returned true');
      assert.equal(sem.value, 0);
    }

    describe(`lock_tests.py ${bounded ? 'BoundedSemaphoreTests' : 'SemaphoreTests'}: ${Class.name} over ${impl.name}`, function () {
      this.timeout(30_000);
      afterEach(terminateAll);

      it('test_constructor: a negative value is a RangeError; so is a non-integer; a non-number a TypeError', () => {
        for (const value of [-1, -(2 ** 31), -Number.MAX_SAFE_INTEGER, 1.5, NaN, Infinity]) {
          assert.throws(() => make(value), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }, String(value));
        }
        assert.throws(() => make('1' as unknown as number), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
        assert.equal(make(0).value, 0);
      });

      it('test_acquire: acquire/release count down and up', () => {
        let sem = make(1);
        assert.equal(sem.acquire(), true);
        assert.equal(sem.value, 0);
        sem.release();
        assert.equal(sem.value, 1);
        sem = make(2);
        sem.acquire();
        sem.acquire();
        assert.equal(sem.value, 0);
        sem.release();
        sem.release();
        assert.equal(sem.value, 2);
      });

      it('test_acquire_contended: 10 workers take exactly the permits released, 1 by 1', async () => {
        await checkContended((sem, n) => {
          for (let i = 0; i < n; i++) sem.release();
        });
      });

      it('test_multirelease: release(n) lets exactly n waiting acquires through', async () => {
        await checkContended((sem, n) => sem.release(n));
      });

      it('test_try_acquire: true while permits last, then false; true again after a release', () => {
        const sem = make(2);
        assert.equal(sem.tryAcquire(), true);
        assert.equal(sem.acquire({ blocking: false }), true);
        assert.equal(sem.tryAcquire(), false);
        assert.equal(sem.acquire({ blocking: false }), false);
        sem.release();
        assert.equal(sem.tryAcquire(), true);
      });

      it('test_try_acquire_contended: 5 workers x 2 tries on 3 permits: 3 true, 7 false', async () => {
        const sem = make(4);
        sem.acquire();
        const results = new SharedList();
        const bunch = await startBunch(WORKER, {
          impl: impl.name, handle: sem.handle, task: 'tryTwice', args: { results: results.buffer },
        }, 5);
        await bunch.finished();
        // Order depends on thread switches: compare as a multiset.
        assert.deepEqual(sorted(results.values()), [...times(7, 0), ...times(3, 1)]);
        assert.equal(sem.value, 0);
      });

      it('test_acquire_timeout: timed acquires; false after the timeout, not before', () => {
        const sem = make(2);
        assert.throws(() => sem.acquire({ blocking: false, timeout: 1000 }), TypeError);
        assert.equal(sem.acquire({ timeout: 5 }), true);
        assert.equal(sem.acquire({ timeout: 5 }), true);
        assert.equal(sem.acquire({ timeout: 5 }), false);
        sem.release();
        assert.equal(sem.acquire({ timeout: 5 }), true);
        const start = performance.now();
        assert.equal(sem.acquire({ timeout: 200 }), false);
        const elapsed = performance.now() - start;
        assert.ok(elapsed >= 199, `returned after ${elapsed.toFixed(1)} ms, before the 200 ms timeout`);
        assert.ok(elapsed < 3000, `returned after ${elapsed.toFixed(1)} ms`);
      });

      it('test_default_value: the default value is 1; a second acquire waits for the release', async () => {
        const sem = new Class(undefined, { lock: new impl.Lock() });
        assert.equal(sem.value, 1);
        sem.acquire();
        const bunch = await startBunch(WORKER, { impl: impl.name, handle: sem.handle, task: 'acquireRelease' }, 1);
        const done = bunch.finished();
        let finished = false;
        void done.then(() => {
          finished = true;
        }, () => undefined);
        await sleep(50);
        assert.equal(finished, false, 'the worker acquired while the only permit was held');
        sem.release();
        assert.equal((await done)[0].acquired, true);
        assert.equal(sem.value, 1);
      });

      it('test_with: permit() / withPermit() hold a permit for a scope and give it back, also on throw', () => {
        const sem = make(2);
        const withPermits = (error?: Error): void => {
          using _outer = sem.permit();
          assert.equal(sem.tryAcquire(), true);
          sem.release();
          sem.withPermit(() => {
            assert.equal(sem.tryAcquire(), false);
            if (error) throw error;
          });
        };
        withPermits();
        assert.equal(sem.tryAcquire(), true);
        sem.release();
        assert.throws(() => withPermits(new TypeError('inside')), TypeError);
        assert.equal(sem.tryAcquire(), true);
        sem.release();
        assert.equal(sem.value, 2);
      });

      if (bounded) {
        it('test_release_unacquired: releasing past the initial value is SemaphoreOverflowError and changes nothing', () => {
          const sem = new Class(undefined, { lock: new impl.Lock() });
          const overflow = { name: 'SemaphoreOverflowError', code: 'ERR_MUTEX_SEMAPHORE_OVERFLOW' };
          assert.throws(() => sem.release(), overflow);
          assert.equal(sem.value, 1);
          sem.acquire();
          sem.release();
          assert.throws(() => sem.release(), overflow);
          assert.throws(() => make(3).release(1), overflow);
          const two = make(3);
          two.acquire();
          two.acquire();
          assert.throws(() => two.release(3), overflow, 'release(n) past the bound');
          assert.equal(two.value, 1, 'a refused release(n) adds nothing');
          two.release(2);
          assert.equal(two.value, 3);
        });

        it('test_repr: inspect shows value and bound', () => {
          const sem = make(3);
          assert.match(inspect(sem), /^BoundedSemaphore \{ value: 3, max: 3 \}$/);
          sem.acquire();
          assert.match(inspect(sem), /^BoundedSemaphore \{ value: 2, max: 3 \}$/);
        });
      } else {
        it('test_release_unacquired: unbounded releases are allowed and add to the value', () => {
          const sem = make(1);
          sem.release();
          assert.equal(sem.value, 2);
          sem.acquire();
          sem.acquire();
          assert.equal(sem.value, 0);
          sem.release(5);
          assert.equal(sem.value, 5);
        });

        it('test_repr: inspect shows the value', () => {
          const sem = make(3);
          assert.match(inspect(sem), /^Semaphore \{ value: 3 \}$/);
          sem.acquire();
          assert.match(inspect(sem), /^Semaphore \{ value: 2 \}$/);
          sem.release();
          sem.release();
          assert.match(inspect(sem), /^Semaphore \{ value: 4 \}$/);
        });
      }

      it('release(n) takes an integer n >= 1', () => {
        const sem = make(0);
        for (const n of [0, -1, 1.5, NaN]) assert.throws(() => sem.release(n), RangeError, String(n));
        assert.throws(() => sem.release('1' as unknown as number), TypeError);
        assert.equal(sem.value, 0);
      });
    });
  }
}

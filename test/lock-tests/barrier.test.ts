/**
 * CPython's Lib/test/lock_tests.py, BarrierTests, ported to worker threads:
 * each of the N = 5 test threads is a worker that opens the barrier by handle
 * (fixtures/lt-barrier-worker.ts) and runs the Python test's f(); the
 * counters they share are in shared memory, and an assertion that fails in
 * a worker fails the test. The workers start f() together (fixtures/lt-bunch.ts),
 * as threads would. Timeouts are ms. Run over the `lock` option given a
 * native Mutex and an AtomicsMutex.
 *
 * Python-isms adapted:
 * - `Barrier(n, action)` is `new Barrier(n, { action })`; a function cannot
 *   cross threads, so each worker opens it with `Barrier.from(handle, { action })`
 *   (the action bumps a shared counter, whichever thread runs it).
 * - n_waiting is nWaiting; repr is util.inspect.
 * - test_timeout's late party sleeps 500 ms and the others wait 250 ms
 *   (Python: 1 s and 0.5 s with a 2 s default timeout): the same ratios.
 * - test_wait_return checks the indices are exactly 0..N-1, not just their sum.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';

import { Barrier } from '../../lib/api/barrier';
import { BrokenBarrierError } from '../../lib/index';
import { IMPLEMENTATIONS } from '../helpers/implementations';
import { terminateAll } from '../helpers/workers';
import { fixture, startBunch, waitUntil } from '../fixtures/lt-bunch';
import { SharedCell } from '../fixtures/lt-shared';

const WORKER = fixture('lt-barrier-worker');
const LOCKS = IMPLEMENTATIONS.filter((impl) => !impl.recursive);
const N = 5;
const DEFAULT_TIMEOUT = 2000;
const middle = Math.floor(N / 2);

for (const impl of LOCKS) {
  describe(`lock_tests.py BarrierTests: Barrier over ${impl.name}`, function () {
    this.timeout(30_000);
    let barrier: Barrier;
    const made: Barrier[] = [];
    const make = (parties: number, options: Omit<ConstructorParameters<typeof Barrier>[1], 'lock'> = {}): Barrier => {
      const b = new Barrier(parties, { ...options, lock: new impl.Lock() });
      made.push(b);
      return b;
    };

    beforeEach(() => {
      barrier = make(N, { timeout: DEFAULT_TIMEOUT });
    });

    afterEach(async () => {
      // tearDown: abort, so that no worker stays in a wait.
      for (const b of made.splice(0)) b.abort();
      await terminateAll();
    });

    /** run_threads(f): N workers run the task over `barrier` and finish. */
    async function runThreads(task: string, args: Record<string, unknown> = {}, on: Barrier = barrier) {
      const bunch = await startBunch(WORKER, { impl: impl.name, handle: on.handle, task, args }, N);
      return bunch.finished();
    }

    it('test_constructor: parties must be an integer >= 1', () => {
      for (const parties of [0, -1, 1.5, NaN]) {
        assert.throws(() => make(parties), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }, String(parties));
      }
      assert.throws(() => make('2' as unknown as number), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    });

    for (const passes of [1, 10]) {
      it(`test_barrier${passes === 1 ? '' : '_10'}: ${N} workers pass in lockstep, ${passes} pass(es) of two waits`, async () => {
        const results0 = new SharedCell();
        const results1 = new SharedCell();
        assert.equal(barrier.parties, N);
        const done = await runThreads('multipass', { passes, results0: results0.buffer, results1: results1.buffer });
        for (const d of done) assert.deepEqual({ nWaiting: d.nWaiting, broken: d.broken }, { nWaiting: 0, broken: false });
        assert.equal(results0.value, passes * N);
        assert.equal(results1.value, passes * N);
      });
    }

    it('test_wait_return: the arrival indices are 0..N-1, each once', async () => {
      const done = await runThreads('waitOnce');
      assert.deepEqual(done.map((d) => d.index as number).sort((a, b) => a - b), [0, 1, 2, 3, 4]);
    });

    it('test_action: the action runs once per pass, before any party is released', async () => {
      const actions = new SharedCell();
      const withAction = make(N, { action: () => void actions.add(1) });
      const done = await runThreads('waitOnce', { actions: actions.buffer }, withAction);
      assert.deepEqual(done.map((d) => d.actions), [1, 1, 1, 1, 1]);
      assert.equal(actions.value, 1);
    });

    it('test_abort: a party that aborts breaks the barrier for the N-1 others', async () => {
      const results1 = new SharedCell();
      const results2 = new SharedCell();
      await runThreads('abort', { results1: results1.buffer, results2: results2.buffer });
      assert.equal(results1.value, 0);
      assert.equal(results2.value, N - 1);
      assert.equal(barrier.broken, true);
      assert.throws(() => barrier.wait(), { name: 'BrokenBarrierError', code: 'ERR_MUTEX_BROKEN_BARRIER' });
    });

    it('test_reset: reset() frees the waiting parties with BrokenBarrierError, and the barrier works again', async () => {
      const [results1, results2, results3] = [new SharedCell(), new SharedCell(), new SharedCell()];
      await runThreads('reset', { results1: results1.buffer, results2: results2.buffer, results3: results3.buffer });
      assert.deepEqual([results1.value, results2.value, results3.value], [0, N - 1, N]);
      assert.equal(barrier.broken, false);
    });

    it('test_abort_and_reset: a barrier broken by abort() can be reset and passed again', async () => {
      const [results1, results2, results3] = [new SharedCell(), new SharedCell(), new SharedCell()];
      const barrier2 = make(N);
      await runThreads('abortAndReset', {
        results1: results1.buffer, results2: results2.buffer, results3: results3.buffer, barrier2: barrier2.handle,
      });
      assert.deepEqual([results1.value, results2.value, results3.value], [0, N - 1, N]);
    });

    it('test_timeout: wait(250) while one party is 500 ms late breaks the barrier for all', async () => {
      const done = await runThreads('lateParty', { lateMs: 500, timeout: 250 });
      for (const d of done) assert.equal(d.code, 'ERR_MUTEX_BROKEN_BARRIER');
      // The party whose wait(250) broke the barrier waited it out (not less); the others broke with it.
      const onTime = done.filter((d) => !d.late).map((d) => d.elapsed as number);
      assert.ok(Math.max(...onTime) >= 249, `the barrier broke after ${Math.max(...onTime).toFixed(1)} ms, before 250 ms`);
      assert.equal(done.filter((d) => d.late).length, 1);
      assert.equal(barrier.broken, true);
    });

    it("test_default_timeout: wait() with no timeout uses the barrier's (100 ms), then breaks it", async () => {
      const timeout = 100;
      const lonely = make(2, { timeout });
      const bunch = await startBunch(WORKER, { impl: impl.name, handle: lonely.handle, task: 'defaultTimeout' }, 1);
      const [done] = await bunch.finished();
      assert.equal(done.broken, true, `wait() gave ${String(done.name)}`);
      assert.ok((done.elapsed as number) >= timeout - 1, `broke after ${done.elapsed} ms, before ${timeout} ms`);
      assert.equal(lonely.broken, true);
    });

    it('test_single_thread: a 1-party barrier passes at once, every time, with index 0', () => {
      const b = make(1);
      assert.equal(b.wait(), 0);
      assert.equal(b.wait(), 0);
      assert.equal(b.nWaiting, 0);
    });

    it('test_repr: inspect shows parties and waiting, then broken', async () => {
      const b = make(3);
      assert.match(inspect(b), /^Barrier \{ parties: 3, waiting: 0 \}$/);
      const bunch = await startBunch(WORKER, { impl: impl.name, handle: b.handle, task: 'waitOnce', args: { timeout: 10_000 } }, 2);
      await waitUntil(() => b.nWaiting >= 2, () => `2 workers wait (nWaiting ${b.nWaiting})`);
      assert.match(inspect(b), /^Barrier \{ parties: 3, waiting: 2 \}$/);
      assert.equal(b.wait(10_000), 2, 'the main thread arrives last');
      await bunch.finished();
      assert.match(inspect(b), /^Barrier \{ parties: 3, waiting: 0 \}$/);
      b.abort();
      assert.match(inspect(b), /^Barrier \{ parties: 3, broken \}$/);
      assert.throws(() => b.wait(), BrokenBarrierError);
    });
  });
}

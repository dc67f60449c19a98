/**
 * Barrier: the API and CPython's state machine in one thread (async parties),
 * and real worker threads sharing one barrier by handle — phases in step,
 * timeouts, terminate, and a party's thread dying in wait() — over a lock of
 * each backend. (CPython's lock_tests.py behaviours are in test/lock-tests.)
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';

import '../../lib/index';
import { Barrier, MAX_PARTIES, type BarrierOptions } from '../../lib/api/barrier';
import { BrokenBarrierError, MutexInvalidHandleError } from '../../lib/api/errors';
import { Event } from '../../lib/api/event';
import { terminateAll } from '../helpers/workers';
import { DEATHS_COUNTED, hostileOptions, LOCK_CHOICES, primitiveWorker, thrown, until } from './primitive-helpers';

interface Outcome {
  index?: number;
  error?: { name: string; code: string; message: string };
  elapsed: number;
}

for (const choice of LOCK_CHOICES) {
  describe(`Barrier over ${choice.name}`, function () {
    this.timeout(30_000);
    afterEach(terminateAll);
    const make = (parties: number, options: BarrierOptions = {}): Barrier =>
      new Barrier(parties, { lock: choice.make(), ...options });

    describe('in one thread', () => {
      it('a 1-party barrier passes at once with index 0, running the action each time', () => {
        let runs = 0;
        const barrier = make(1, { action: () => runs++ });
        assert.equal(barrier.wait(), 0);
        assert.equal(barrier.wait(), 0);
        assert.equal(runs, 2);
        assert.equal(barrier.parties, 1);
        assert.equal(barrier.nWaiting, 0);
        assert.equal(barrier.broken, false);
      });

      it('async parties of one thread get the indices 0..parties-1 and pass together, phase after phase', async () => {
        const barrier = make(4);
        for (let phase = 0; phase < 5; phase++) {
          const indices = await Promise.all(Array.from({ length: 4 }, () => barrier.waitAsync({ timeout: 5_000 })));
          assert.deepEqual([...indices].sort(), [0, 1, 2, 3]);
        }
        assert.equal(barrier.nWaiting, 0);
      });

      it('nWaiting counts the parties waiting in the current phase', async () => {
        const barrier = make(3);
        const first = barrier.waitAsync();
        const second = barrier.waitAsync();
        await until('two wait', () => barrier.nWaiting === 2);
        assert.equal(inspect(barrier), 'Barrier { parties: 3, waiting: 2 }');
        const third = barrier.waitAsync();
        assert.deepEqual((await Promise.all([first, second, third])).sort(), [0, 1, 2]);
      });

      it('the action runs once per phase, by the last party, before any party is released', async () => {
        const order: string[] = [];
        const barrier = make(3, { action: () => order.push('action') });
        await Promise.all([0, 1, 2].map(async (i) => {
          await barrier.waitAsync();
          order.push(`released ${i}`);
        }));
        assert.equal(order[0], 'action');
        assert.equal(order.filter((o) => o === 'action').length, 1);
      });

      it('an action that throws breaks the barrier: its party gets the error, the others BrokenBarrierError', async () => {
        const barrier = make(2, {
          action: () => {
            throw new Error('action failed');
          },
        });
        const results = await Promise.allSettled([barrier.waitAsync(), barrier.waitAsync()]);
        const reasons = results.map((r) => (r as PromiseRejectedResult).reason as Error);
        assert.deepEqual(reasons.map((e) => e.message).sort(),
          ['Barrier broke while waiting (abort(), a timed-out wait or a throwing action)', 'action failed']);
        assert.equal(barrier.broken, true);
        assert.equal(inspect(barrier), 'Barrier { parties: 2, broken }');
      });

      it('a wait that times out breaks the barrier; later waits throw at once until reset()', () => {
        const barrier = make(2);
        const start = performance.now();
        const error = thrown(() => barrier.wait(50));
        const elapsed = performance.now() - start;
        assert.ok(error instanceof BrokenBarrierError);
        assert.equal(error.name, 'BrokenBarrierError');
        assert.equal(error.code, 'ERR_MUTEX_BROKEN_BARRIER');
        assert.ok(elapsed >= 49 && elapsed < 1_000, `waited ${elapsed} ms`);
        assert.equal(barrier.broken, true);
        assert.throws(() => barrier.wait(5_000), BrokenBarrierError);
        barrier.reset();
        assert.equal(barrier.broken, false);
        assert.equal(barrier.nWaiting, 0);
      });

      it('the constructor timeout is wait()\'s default; a timeout argument overrides it', () => {
        const barrier = make(2, { timeout: 30 });
        const start = performance.now();
        assert.throws(() => barrier.wait(), BrokenBarrierError);
        assert.ok(performance.now() - start < 1_000);
        assert.equal(barrier.handle.timeout, 30);
        barrier.reset();
        assert.throws(() => barrier.wait(1), BrokenBarrierError);
      });

      it('abort() breaks the barrier for the parties waiting', async () => {
        const barrier = make(3);
        const waits = [barrier.waitAsync(), barrier.waitAsync()];
        await until('two wait', () => barrier.nWaiting === 2);
        barrier.abort();
        for (const result of await Promise.allSettled(waits)) {
          assert.ok((result as PromiseRejectedResult).reason instanceof BrokenBarrierError);
        }
        assert.equal(barrier.broken, true);
        await assert.rejects(barrier.waitAsync(), BrokenBarrierError);
      });

      it('reset() with parties waiting gives them BrokenBarrierError and leaves the barrier usable', async () => {
        const barrier = make(3);
        const waits = [barrier.waitAsync(), barrier.waitAsync()];
        await until('two wait', () => barrier.nWaiting === 2);
        barrier.reset();
        for (const result of await Promise.allSettled(waits)) {
          const reason = (result as PromiseRejectedResult).reason as Error;
          assert.ok(reason instanceof BrokenBarrierError);
          assert.match(reason.message, /reset/);
        }
        assert.equal(barrier.broken, false);
        const indices = await Promise.all([barrier.waitAsync(), barrier.waitAsync(), barrier.waitAsync()]);
        assert.deepEqual(indices.sort(), [0, 1, 2]);
      });

      it('an aborted waitAsync() takes its party out again without breaking the barrier', async () => {
        const barrier = make(2);
        const controller = new AbortController();
        const leaving = barrier.waitAsync({ signal: controller.signal });
        await until('one waits', () => barrier.nWaiting === 1);
        controller.abort();
        await assert.rejects(leaving, { name: 'AbortError' });
        assert.equal(barrier.nWaiting, 0);
        assert.equal(barrier.broken, false);
        assert.deepEqual((await Promise.all([barrier.waitAsync(), barrier.waitAsync()])).sort(), [0, 1]);
      });

      it('bad arguments and unreadable options are Node-style coded errors', () => {
        for (const parties of [0, -1, 1.5, NaN, MAX_PARTIES + 1]) {
          assert.equal(thrown(() => new Barrier(parties)).code, 'ERR_OUT_OF_RANGE', String(parties));
        }
        assert.equal(thrown(() => new Barrier('2' as never)).code, 'ERR_INVALID_ARG_TYPE');
        assert.equal(thrown(() => new Barrier(undefined as never)).code, 'ERR_INVALID_ARG_TYPE');
        assert.equal(thrown(() => new Barrier(2, { action: 1 as never })).code, 'ERR_INVALID_ARG_TYPE');
        assert.equal(thrown(() => new Barrier(2, { timeout: -1 })).code, 'ERR_OUT_OF_RANGE');
        assert.equal(thrown(() => new Barrier(2, { lock: {} as never })).code, 'ERR_INVALID_ARG_TYPE');
        for (const options of hostileOptions()) {
          assert.equal(thrown(() => new Barrier(2, options)).code, 'ERR_INVALID_ARG_VALUE');
        }
        const barrier = make(2);
        assert.equal(thrown(() => barrier.wait(-1)).code, 'ERR_OUT_OF_RANGE');
        assert.equal(thrown(() => barrier.waitAsync({ timeout: '1' as never })).code, 'ERR_INVALID_ARG_TYPE');
        assert.equal(thrown(() => barrier.waitAsync({ signal: {} as never })).code, 'ERR_INVALID_ARG_TYPE');
        assert.equal(barrier.nWaiting, 0, 'no bad call counted a party');
      });
    });

    describe('handles', () => {
      it('the handle is frozen, cloneable data with parties, timeout and whether there is an action', () => {
        const barrier = make(3, { timeout: 1_000 });
        const { handle } = barrier;
        assert.ok(Object.isFrozen(handle));
        assert.equal(handle.type, 'barrier');
        assert.equal(handle.parties, 3);
        assert.equal(handle.timeout, 1_000);
        assert.equal(handle.action, false);
        const same = Barrier.from(structuredClone(handle));
        assert.equal(same.parties, 3);
        same.abort();
        assert.equal(barrier.broken, true);
      });

      it('a barrier with an action is opened with the thread\'s own action, and only then', () => {
        const barrier = make(1, { action: () => undefined });
        assert.equal(thrown(() => Barrier.from(barrier.handle)).code, 'ERR_INVALID_ARG_VALUE');
        let ran = 0;
        const opened = Barrier.from(barrier.handle, { action: () => ran++ });
        opened.wait();
        assert.equal(ran, 1);
        assert.equal(thrown(() => Barrier.from(make(1).handle, { action: () => undefined })).code,
          'ERR_INVALID_ARG_VALUE');
        assert.equal(thrown(() => Barrier.from(barrier.handle, { action: 5 as never })).code, 'ERR_INVALID_ARG_TYPE');
      });

      it('from() refuses handles of other primitives, forged fields and garbage', () => {
        const { handle } = make(2);
        const event = new Event({ lock: choice.make() });
        for (const junk of [event.handle, { ...handle, parties: 0 }, { ...handle, parties: 1.5 },
          { ...handle, timeout: -1 }, { ...handle, timeout: NaN }, { ...handle, action: 'yes' }, null, 7,
          ...hostileOptions()]) {
          assert.throws(() => Barrier.from(junk as never), MutexInvalidHandleError, inspect(junk));
        }
      });

      it('from() on a subclass constructs that subclass around the same barrier', () => {
        class Named extends Barrier {
          readonly label = 'phase gate';
        }
        const barrier = make(1);
        const named = Named.from(barrier.handle);
        assert.ok(named instanceof Named);
        assert.equal(named.label, 'phase gate');
        assert.equal(named.wait(), 0);
      });
    });

    describe('across worker threads', () => {
      for (const task of ['phases', 'phasesAsync'] as const) {
        const phases = task === 'phases' ? 1_000 : 300;
        it(`8 workers x ${phases} phases stay in step (${task === 'phases' ? 'wait()' : 'waitAsync()'})`, async function () {
          this.timeout(120_000);
          const actionRuns = new Int32Array(new SharedArrayBuffer(4));
          const barrier = make(8, { action: () => void Atomics.add(actionRuns, 0, 1) });
          const progress = new Int32Array(new SharedArrayBuffer(8 * 4));
          const masks = new Int32Array(new SharedArrayBuffer(phases * 4));
          const start = performance.now();
          const workers = Array.from({ length: 8 }, (_, me) => primitiveWorker({
            kind: 'barrier', handle: barrier.handle, task,
            args: { me, phases, progress: progress.buffer, masks: masks.buffer, actionRuns: actionRuns.buffer },
          }));
          const done = await Promise.all(workers.map((w) => w.next('done', 110_000)));
          const elapsed = performance.now() - start;
          assert.deepEqual(done.map((d) => d.outOfStep), Array(8).fill(0), 'no party ever behind or two ahead');
          assert.ok(masks.every((mask) => mask === 0xff), 'every phase handed out the indices 0..7 once each');
          assert.equal(Atomics.load(actionRuns, 0), phases, 'the action ran once per phase');
          assert.equal(barrier.broken, false);
          console.log(`      (${phases} phases of 8 workers in ${elapsed.toFixed(0)} ms: ` +
            `${(elapsed * 1000 / phases).toFixed(0)} us a phase)`);
        });
      }

      it('the main thread and workers are parties of one barrier', async () => {
        const barrier = make(4);
        const workers = Array.from({ length: 3 }, (_, i) => primitiveWorker({
          kind: 'barrier', handle: barrier.handle, task: i === 0 ? 'waitAsync' : 'wait', args: { timeout: 10_000 },
        }));
        await Promise.all(workers.map((w) => w.next('waiting')));
        await until('3 wait', () => barrier.nWaiting === 3);
        const mine = await barrier.waitAsync({ timeout: 10_000 });
        const theirs = await Promise.all(workers.map(async (w) => (await w.next('done')).index as number));
        assert.deepEqual([mine, ...theirs].sort(), [0, 1, 2, 3]);
        assert.equal(mine, 3, 'the main thread arrived last');
      });

      it('a worker whose wait() times out breaks the barrier for the other workers', async () => {
        const barrier = make(3);
        const patient = primitiveWorker({ kind: 'barrier', handle: barrier.handle, task: 'wait', args: { timeout: 20_000 } });
        await patient.next('waiting');
        await until('one waits', () => barrier.nWaiting === 1);
        const hasty = primitiveWorker({ kind: 'barrier', handle: barrier.handle, task: 'wait', args: { timeout: 100 } });
        const [a, b] = await Promise.all([patient.next('done'), hasty.next('done')]) as unknown as Outcome[];
        assert.equal(a.error?.code, 'ERR_MUTEX_BROKEN_BARRIER');
        assert.equal(b.error?.code, 'ERR_MUTEX_BROKEN_BARRIER');
        assert.match(b.error!.message, /timed out/);
        assert.ok(a.elapsed < 5_000, `the patient party was told in ${a.elapsed} ms`);
      });

      it('terminate() of a worker blocked in wait() completes in under 1 s', async () => {
        const barrier = make(2);
        const worker = primitiveWorker({ kind: 'barrier', handle: barrier.handle, task: 'wait' });
        await worker.next('waiting');
        await until('the worker waits', () => barrier.nWaiting === 1);
        const start = performance.now();
        await worker.worker.terminate();
        const elapsed = performance.now() - start;
        assert.ok(elapsed < 1_000, `terminate took ${elapsed} ms`);
      });

      // Needs the native addon's cleanup hook, which counts a thread that
      // dies waiting on a condition in its `deaths` (for the locks of both
      // backends): not there under OS_MUTEX_BACKEND=atomics.
      (DEATHS_COUNTED ? describe : describe.skip)('owner death (native cleanup hook)', () => {
        it('a party\'s worker terminated in wait() breaks the barrier for the other parties', async () => {
          const barrier = make(4);
          const live = [0, 1].map((i) => primitiveWorker({
            kind: 'barrier', handle: barrier.handle, task: i === 0 ? 'wait' : 'waitAsync', args: { timeout: 20_000 },
          }));
          await Promise.all(live.map((w) => w.next('waiting')));
          const dying = primitiveWorker({ kind: 'barrier', handle: barrier.handle, task: 'wait' });
          await dying.next('waiting');
          await until('3 wait', () => barrier.nWaiting === 3);
          const start = performance.now();
          await dying.worker.terminate();
          const outcomes = await Promise.all(live.map((w) => w.next('done'))) as unknown as Outcome[];
          const told = performance.now() - start;
          for (const outcome of outcomes) {
            assert.equal(outcome.error?.code, 'ERR_MUTEX_BROKEN_BARRIER');
            assert.match(outcome.error!.message, /died/);
          }
          assert.ok(told < 2_000, `the parties were told in ${told} ms`);
          assert.equal(barrier.broken, true);
          assert.throws(() => barrier.wait(1_000), BrokenBarrierError);
        });

        it('reset() after a party died makes the barrier usable again at once', async () => {
          const barrier = make(2);
          const dying = primitiveWorker({ kind: 'barrier', handle: barrier.handle, task: 'wait' });
          await dying.next('waiting');
          await until('one waits', () => barrier.nWaiting === 1);
          await dying.worker.terminate();
          assert.equal(barrier.broken, true, 'broken as soon as the death is counted');
          barrier.reset();
          assert.equal(barrier.broken, false);
          assert.equal(barrier.nWaiting, 0, 'the dead party is no longer counted');
          const next = primitiveWorker({ kind: 'barrier', handle: barrier.handle, task: 'wait', args: { timeout: 10_000 } });
          await next.next('waiting');
          assert.equal(barrier.wait(10_000) + ((await next.next('done')).index as number), 1);
        });

        it('a worker terminated while the barrier drains does not leave it draining forever', async () => {
          // The parties released by the last arrival are still leaving when one of them dies:
          // the main thread holds the lock so none can leave, then a released party is terminated.
          const barrier = make(3);
          const workers = [0, 1].map(() => primitiveWorker({
            kind: 'barrier', handle: barrier.handle, task: 'wait', args: { timeout: 20_000 },
          }));
          await Promise.all(workers.map((w) => w.next('waiting')));
          await until('2 wait', () => barrier.nWaiting === 2);
          const lock = (barrier as unknown as { condition: { lock: { acquire(): boolean; release(): void } } })
            .condition.lock;
          const mine = barrier.waitAsync({ timeout: 10_000 }); // the last party: releases the others
          assert.equal(await mine, 2);
          lock.acquire();
          await workers[0].worker.terminate();
          lock.release();
          const survivor = (await workers[1].next('done')) as unknown as Outcome;
          assert.ok(survivor.index !== undefined || survivor.error?.code === 'ERR_MUTEX_BROKEN_BARRIER');
          // Whatever the survivor saw, the barrier can be used again after reset().
          barrier.reset();
          const again = [barrier.waitAsync({ timeout: 5_000 }), barrier.waitAsync({ timeout: 5_000 }),
            barrier.waitAsync({ timeout: 5_000 })];
          assert.deepEqual((await Promise.all(again)).sort(), [0, 1, 2]);
        });
      });
    });
  });
}

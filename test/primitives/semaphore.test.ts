/**
 * Semaphore and BoundedSemaphore: the API in one thread, the async forms,
 * and real worker threads sharing one semaphore by handle, over a lock of
 * each backend. (CPython's lock_tests.py behaviours are in test/lock-tests.)
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';

import '../../lib/index';
import { ConditionPrimitive } from '../../lib/api/condition-primitive';
import { MutexInvalidHandleError, MutexTimeoutError, SemaphoreOverflowError } from '../../lib/api/errors';
import { BoundedSemaphore, MAX_SEMAPHORE_VALUE, Semaphore, SemaphorePermit } from '../../lib/api/semaphore';
import { terminateAll } from '../helpers/workers';
import { hostileOptions, LOCK_CHOICES, primitiveWorker, thrown, until } from './primitive-helpers';

for (const choice of LOCK_CHOICES) {
  describe(`Semaphore over ${choice.name}`, function () {
    this.timeout(30_000);
    afterEach(terminateAll);
    const make = (value?: number): Semaphore => new Semaphore(value, { lock: choice.make() });
    const makeBounded = (value?: number): BoundedSemaphore => new BoundedSemaphore(value, { lock: choice.make() });

    describe('in one thread', () => {
      it('starts with value 1 by default and counts acquisitions down and releases up', () => {
        const sem = make();
        assert.equal(sem.value, 1);
        assert.equal(sem.acquire(), true);
        assert.equal(sem.value, 0);
        sem.release(3);
        assert.equal(sem.value, 3);
      });

      it('tryAcquire, blocking: false and timeout: 0 take a permit when there is one and never wait', () => {
        const sem = make(2);
        assert.equal(sem.tryAcquire(), true);
        assert.equal(sem.acquire({ blocking: false }), true);
        const start = performance.now();
        assert.equal(sem.tryAcquire(), false);
        assert.equal(sem.acquire({ blocking: false }), false);
        assert.equal(sem.acquire({ timeout: 0 }), false);
        assert.ok(performance.now() - start < 20);
        assert.equal(sem.value, 0);
      });

      it('acquire({ timeout }) gives false after about the timeout when no permit comes', () => {
        const sem = make(0);
        const start = performance.now();
        assert.equal(sem.acquire({ timeout: 60 }), false);
        const elapsed = performance.now() - start;
        assert.ok(elapsed >= 59 && elapsed < 1_000, `waited ${elapsed} ms`);
        assert.equal(sem.value, 0);
      });

      it('release(n) rejects anything but an integer >= 1 with Node-style codes, changing nothing', () => {
        const sem = make(0);
        for (const n of [0, -1, 1.5, NaN, Infinity]) {
          assert.equal(thrown(() => sem.release(n)).code, 'ERR_OUT_OF_RANGE', String(n));
        }
        for (const n of ['1', null, {}]) {
          assert.equal(thrown(() => sem.release(n as unknown as number)).code, 'ERR_INVALID_ARG_TYPE', String(n));
        }
        assert.equal(sem.value, 0);
      });

      it('the constructor rejects a bad value, bad options and unreadable options with codes', () => {
        for (const value of [-1, 1.5, NaN, MAX_SEMAPHORE_VALUE + 1]) {
          assert.equal(thrown(() => new Semaphore(value)).code, 'ERR_OUT_OF_RANGE', String(value));
        }
        assert.equal(thrown(() => new Semaphore('2' as unknown as number)).code, 'ERR_INVALID_ARG_TYPE');
        assert.equal(thrown(() => new Semaphore(1, 5 as never)).code, 'ERR_INVALID_ARG_TYPE');
        assert.equal(thrown(() => new Semaphore(1, { lock: {} as never })).code, 'ERR_INVALID_ARG_TYPE');
        assert.equal(thrown(() => new Semaphore(1, { maxWaiters: 0 })).code, 'ERR_OUT_OF_RANGE');
        for (const options of hostileOptions()) {
          const error = thrown(() => new Semaphore(1, options));
          assert.equal(error.code, 'ERR_INVALID_ARG_VALUE');
          assert.ok(error.cause instanceof Error);
        }
      });

      it('acquire() options follow the lock rules (blocking: false with a timeout is an error)', () => {
        const sem = make(1);
        assert.equal(thrown(() => sem.acquire({ blocking: false, timeout: 5 })).code, 'ERR_INVALID_ARG_VALUE');
        assert.equal(thrown(() => sem.acquire({ timeout: -1 })).code, 'ERR_OUT_OF_RANGE');
        assert.equal(thrown(() => sem.acquire({ timeout: '5' as never })).code, 'ERR_INVALID_ARG_TYPE');
        for (const options of hostileOptions()) {
          assert.equal(thrown(() => sem.acquire(options)).code, 'ERR_INVALID_ARG_VALUE');
        }
        assert.equal(sem.value, 1, 'no permit was taken by a rejected call');
      });

      it('a value past 2^31-1 is a SemaphoreOverflowError that changes nothing', () => {
        const sem = make(MAX_SEMAPHORE_VALUE - 1);
        sem.release();
        const error = thrown(() => sem.release());
        assert.ok(error instanceof SemaphoreOverflowError);
        assert.equal(error.code, 'ERR_MUTEX_SEMAPHORE_OVERFLOW');
        assert.equal(sem.value, MAX_SEMAPHORE_VALUE);
      });

      it('BoundedSemaphore: a release past the initial value is SemaphoreOverflowError, nothing changed', () => {
        const sem = makeBounded(2);
        sem.acquire();
        const error = thrown(() => sem.release(2));
        assert.ok(error instanceof SemaphoreOverflowError);
        assert.equal(error.name, 'SemaphoreOverflowError');
        assert.equal(error.code, 'ERR_MUTEX_SEMAPHORE_OVERFLOW');
        assert.match(error.message, /released too many times/);
        assert.equal(sem.value, 1);
        sem.release();
        assert.equal(sem.value, 2);
        assert.throws(() => sem.release(), SemaphoreOverflowError);
        assert.equal(sem.value, 2);
      });

      it('util.inspect shows the value (and the bound of a BoundedSemaphore)', () => {
        assert.equal(inspect(make(2)), 'Semaphore { value: 2 }');
        const bounded = makeBounded(3);
        bounded.acquire();
        assert.equal(inspect(bounded), 'BoundedSemaphore { value: 2, max: 3 }');
      });

      it('permit() is a guard that gives its permit back once, also at scope exit', () => {
        const sem = make(1);
        const permit = sem.permit();
        assert.ok(permit instanceof SemaphorePermit);
        assert.equal(permit.held, true);
        assert.equal(sem.value, 0);
        permit.release();
        permit.release();
        permit[Symbol.dispose]();
        assert.equal(permit.held, false);
        assert.equal(sem.value, 1, 'released exactly once');
        const error = thrown(() => make(0).permit({ timeout: 10 }));
        assert.ok(error instanceof MutexTimeoutError);
        assert.match(error.message, /within 10 ms/);
        assert.ok(thrown(() => make(0).permit({ blocking: false })) instanceof MutexTimeoutError);
      });

      it('withPermit() returns fn\'s value and gives the permit back when fn throws', () => {
        const sem = make(1);
        assert.equal(sem.withPermit(() => sem.value), 0);
        assert.equal(sem.value, 1);
        assert.throws(() => sem.withPermit(() => {
          throw new Error('boom');
        }), /boom/);
        assert.equal(sem.value, 1);
        assert.equal(thrown(() => sem.withPermit(() => Promise.resolve(1))).code, 'ERR_INVALID_RETURN_VALUE');
        assert.equal(sem.value, 1);
        assert.equal(thrown(() => sem.withPermit(5 as never)).code, 'ERR_INVALID_ARG_TYPE');
        assert.throws(() => make(0).withPermit(() => 1, { timeout: 5 }), MutexTimeoutError);
      });
    });

    describe('handles', () => {
      it('the handle is frozen, cloneable data; from() of a clone is the same semaphore', () => {
        const sem = make(2);
        const { handle } = sem;
        assert.ok(Object.isFrozen(handle));
        assert.equal(handle.type, 'semaphore');
        const same = Semaphore.from(structuredClone(handle));
        same.acquire();
        assert.equal(sem.value, 1);
        sem.release();
        assert.equal(same.value, 2);
      });

      it('from() on a subclass constructs that subclass around the same semaphore', () => {
        class Tagged extends Semaphore {
          tag = 'mine';
        }
        const sem = make(1);
        const tagged = Tagged.from(sem.handle);
        assert.ok(tagged instanceof Tagged);
        assert.equal(tagged.tag, 'mine');
        tagged.acquire();
        assert.equal(sem.value, 0);
      });

      it('from() of a handle of another type or of garbage is MutexInvalidHandleError', () => {
        const bounded = makeBounded(1);
        assert.throws(() => Semaphore.from(bounded.handle), MutexInvalidHandleError);
        assert.throws(() => BoundedSemaphore.from(make(1).handle), MutexInvalidHandleError);
        assert.equal(BoundedSemaphore.from(bounded.handle).value, 1);
        for (const junk of [null, 1, 'x', {}, { osMutex: 1, type: 'semaphore' },
          { osMutex: 1, type: 'semaphore', condition: { osMutex: 1, type: 'condition' } }, ...hostileOptions()]) {
          assert.throws(() => Semaphore.from(junk as never), MutexInvalidHandleError, inspect(junk));
        }
      });

      it('from() must be called on a primitive class (ERR_INVALID_THIS)', () => {
        const { from } = Semaphore;
        const handle = make(1).handle;
        assert.equal(thrown(() => (from as (h: unknown) => unknown)(handle)).code, 'ERR_INVALID_THIS');
        assert.equal(thrown(() => (ConditionPrimitive as unknown as typeof Semaphore).from(handle)).code,
          'ERR_INVALID_THIS');
      });
    });

    describe('async', () => {
      it('acquireAsync() resolves true once another release gives a permit, false on timeout', async () => {
        const sem = make(0);
        const pending = sem.acquireAsync();
        setTimeout(() => sem.release(), 20);
        assert.equal(await pending, true);
        assert.equal(sem.value, 0);
        const start = performance.now();
        assert.equal(await sem.acquireAsync({ timeout: 40 }), false);
        assert.ok(performance.now() - start >= 39);
        assert.equal(await make(1).acquireAsync({ timeout: 0 }), true);
      });

      it('an aborted acquireAsync() rejects with the reason and never takes a permit', async () => {
        const sem = make(0);
        const controller = new AbortController();
        const pending = sem.acquireAsync({ signal: controller.signal });
        setTimeout(() => controller.abort(new Error('stop')), 20);
        await assert.rejects(pending, /stop/);
        sem.release();
        assert.equal(sem.value, 1, 'the aborted waiter did not take the later permit');
        await assert.rejects(sem.acquireAsync({ signal: AbortSignal.abort() }), { name: 'AbortError' });
        assert.equal(sem.value, 1);
        assert.equal(thrown(() => sem.acquireAsync({ signal: {} as never })).code, 'ERR_INVALID_ARG_TYPE');
      });

      it('a synchronous release() while an async acquisition holds the internal lock goes ahead', async () => {
        const sem = make(0);
        const pending = sem.acquireAsync(); // has taken the internal lock synchronously
        sem.release(); // same thread, before the async one's next step: no deadlock error
        assert.equal(await pending, true);
        assert.equal(sem.value, 0);
      });

      it('withPermitAsync() and permitAsync() give the permit back when fn rejects or at scope exit', async () => {
        const sem = make(1);
        assert.equal(await sem.withPermitAsync(async () => sem.value), 0);
        await assert.rejects(sem.withPermitAsync(async () => {
          throw new Error('boom');
        }), /boom/);
        assert.equal(sem.value, 1);
        const permit = await sem.permitAsync();
        assert.equal(sem.value, 0);
        await permit[Symbol.asyncDispose]();
        assert.equal(sem.value, 1);
        await assert.rejects(make(0).permitAsync({ timeout: 5 }), MutexTimeoutError);
        await assert.rejects(make(0).withPermitAsync(async () => 1, { timeout: 5 }), MutexTimeoutError);
      });

      it('many async flows of one thread share the permits: never more than the value inside', async () => {
        const sem = make(2);
        let inside = 0;
        let most = 0;
        await Promise.all(Array.from({ length: 10 }, async () => {
          for (let i = 0; i < 20; i++) {
            await sem.withPermitAsync(async () => {
              most = Math.max(most, ++inside);
              await new Promise((resolve) => setImmediate(resolve));
              inside--;
            });
          }
        }));
        assert.equal(most, 2);
        assert.equal(sem.value, 2);
      });
    });

    describe('across worker threads', () => {
      it('16 workers through a Semaphore(3) never have more than 3 inside', async function () {
        this.timeout(60_000);
        const sem = make(3);
        const gate = new Int32Array(new SharedArrayBuffer(12));
        const iterations = 300;
        const workers = Array.from({ length: 16 }, () => primitiveWorker({
          kind: 'semaphore', handle: sem.handle, task: 'gate', args: { gate: gate.buffer, iterations, workUs: 20 },
        }));
        await Promise.all(workers.map((w) => w.next('done', 50_000)));
        assert.equal(Atomics.load(gate, 2), 16 * iterations, 'every pass counted');
        assert.ok(Atomics.load(gate, 1) <= 3, `at most 3 inside at once, saw ${Atomics.load(gate, 1)}`);
        assert.ok(Atomics.load(gate, 1) >= 2, 'the permits were shared (more than one inside at some point)');
        assert.equal(sem.value, 3);
      });

      it('8 workers with 4 async flows each through withPermitAsync() never exceed the value', async function () {
        this.timeout(60_000);
        const sem = make(3);
        const gate = new Int32Array(new SharedArrayBuffer(12));
        const workers = Array.from({ length: 8 }, () => primitiveWorker({
          kind: 'semaphore', handle: sem.handle, task: 'gateAsync', args: { gate: gate.buffer, iterations: 25, flows: 4 },
        }));
        await Promise.all(workers.map((w) => w.next('done', 50_000)));
        assert.equal(Atomics.load(gate, 2), 8 * 4 * 25);
        assert.ok(Atomics.load(gate, 1) <= 3, `saw ${Atomics.load(gate, 1)} inside`);
        assert.equal(sem.value, 3);
      });

      it('permits are not owned: a worker releases a permit the main thread took', async () => {
        const sem = make(1);
        sem.acquire();
        const worker = primitiveWorker({ kind: 'semaphore', handle: sem.handle, task: 'release' });
        assert.equal((await worker.next('done')).value, 1);
        assert.equal(sem.tryAcquire(), true);
      });

      it('a BoundedSemaphore opened in a worker keeps its bound there', async () => {
        const sem = makeBounded(1);
        const worker = primitiveWorker({ kind: 'bounded-semaphore', handle: sem.handle, task: 'release' });
        const done = await worker.next('done');
        assert.equal((done.error as { code: string }).code, 'ERR_MUTEX_SEMAPHORE_OVERFLOW');
        assert.equal(done.value, 1);
      });

      it('a release in the main thread wakes a worker blocked in acquire()', async () => {
        const sem = make(0);
        const worker = primitiveWorker({ kind: 'semaphore', handle: sem.handle, task: 'acquire' });
        await worker.next('waiting');
        await until('the worker waits', () => inspect(sem).includes('waiting: 1'));
        sem.release();
        const done = await worker.next('done');
        assert.equal(done.result, true);
        assert.equal(sem.value, 0);
      });

      it('a pending acquireAsync() keeps a worker alive until a permit comes', async () => {
        const sem = make(0);
        const worker = primitiveWorker({ kind: 'semaphore', handle: sem.handle, task: 'acquireAsync' });
        await worker.next('waiting');
        await new Promise((resolve) => setTimeout(resolve, 200));
        sem.release();
        assert.equal((await worker.next('done')).result, true);
      });

      it('terminate() of a worker blocked in acquire() completes in under 1 s; the semaphore still works', async () => {
        const sem = make(0);
        const worker = primitiveWorker({ kind: 'semaphore', handle: sem.handle, task: 'acquire' });
        await worker.next('waiting');
        await until('the worker waits', () => inspect(sem).includes('waiting: 1'));
        const start = performance.now();
        await worker.worker.terminate();
        const elapsed = performance.now() - start;
        assert.ok(elapsed < 1_000, `terminate took ${elapsed} ms`);
        sem.release();
        assert.equal(sem.acquire({ timeout: 1_000 }), true, 'the dead waiter took nothing');
      });
    });
  });
}

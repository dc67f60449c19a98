/**
 * Event: the API in one thread, the async forms, and real worker threads
 * sharing one event by handle, over a lock of each backend. (CPython's
 * lock_tests.py behaviours are in test/lock-tests.)
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';

import '../../lib/index';
import { MutexInvalidHandleError } from '../../lib/api/errors';
import { Event } from '../../lib/api/event';
import { Semaphore } from '../../lib/api/semaphore';
import { terminateAll } from '../helpers/workers';
import { hostileOptions, LOCK_CHOICES, primitiveWorker, thrown, until } from './primitive-helpers';

for (const choice of LOCK_CHOICES) {
  describe(`Event over ${choice.name}`, function () {
    this.timeout(30_000);
    afterEach(terminateAll);
    const make = (): Event => new Event({ lock: choice.make() });

    describe('in one thread', () => {
      it('starts unset; set() and clear() move the flag; isSet() reads it', () => {
        const event = make();
        assert.equal(event.isSet(), false);
        event.set();
        assert.equal(event.isSet(), true);
        event.set();
        assert.equal(event.isSet(), true);
        event.clear();
        assert.equal(event.isSet(), false);
      });

      it('wait() returns true at once when set, false after about the timeout when not', () => {
        const event = make();
        const start = performance.now();
        assert.equal(event.wait(50), false);
        const elapsed = performance.now() - start;
        assert.ok(elapsed >= 49 && elapsed < 1_000, `waited ${elapsed} ms`);
        assert.equal(event.wait(0), false);
        event.set();
        assert.equal(event.wait(), true);
        assert.equal(event.wait(0), true);
      });

      it('wait() rejects a bad timeout with Node-style codes', () => {
        const event = make();
        assert.equal(thrown(() => event.wait(-1)).code, 'ERR_OUT_OF_RANGE');
        assert.equal(thrown(() => event.wait(NaN)).code, 'ERR_OUT_OF_RANGE');
        assert.equal(thrown(() => event.wait('1' as never)).code, 'ERR_INVALID_ARG_TYPE');
      });

      it('the constructor rejects bad and unreadable options with codes', () => {
        assert.equal(thrown(() => new Event(1 as never)).code, 'ERR_INVALID_ARG_TYPE');
        assert.equal(thrown(() => new Event({ lock: 'x' as never })).code, 'ERR_INVALID_ARG_TYPE');
        assert.equal(thrown(() => new Event({ maxWaiters: 1.5 })).code, 'ERR_OUT_OF_RANGE');
        for (const options of hostileOptions()) {
          assert.equal(thrown(() => new Event(options)).code, 'ERR_INVALID_ARG_VALUE');
        }
      });

      it('util.inspect shows the flag', () => {
        const event = make();
        assert.equal(inspect(event), 'Event { unset }');
        event.set();
        assert.equal(inspect(event), 'Event { set }');
      });

      it('the handle is frozen, cloneable data; from() of a clone is the same event; other handles are refused', () => {
        const event = make();
        assert.ok(Object.isFrozen(event.handle));
        assert.equal(event.handle.type, 'event');
        const same = Event.from(structuredClone(event.handle));
        same.set();
        assert.equal(event.isSet(), true);
        assert.throws(() => Event.from(new Semaphore(1, { lock: choice.make() }).handle as never),
          MutexInvalidHandleError);
        for (const junk of [undefined, 0, {}, { osMutex: 1, type: 'event', condition: 1 }, ...hostileOptions()]) {
          assert.throws(() => Event.from(junk as never), MutexInvalidHandleError, inspect(junk));
        }
      });
    });

    describe('async', () => {
      it('waitAsync() resolves true once set, false on timeout', async () => {
        const event = make();
        const pending = event.waitAsync();
        setTimeout(() => event.set(), 20);
        assert.equal(await pending, true);
        event.clear();
        const start = performance.now();
        assert.equal(await event.waitAsync({ timeout: 40 }), false);
        assert.ok(performance.now() - start >= 39);
      });

      it('an aborted waitAsync() rejects with the reason', async () => {
        const event = make();
        const controller = new AbortController();
        const pending = event.waitAsync({ signal: controller.signal });
        setTimeout(() => controller.abort(new Error('stop')), 20);
        await assert.rejects(pending, /stop/);
        await assert.rejects(event.waitAsync({ signal: AbortSignal.abort() }), { name: 'AbortError' });
        assert.equal(thrown(() => event.waitAsync({ timeout: -5 })).code, 'ERR_OUT_OF_RANGE');
      });

      it('every async waiter of one thread wakes on one set()', async () => {
        const event = make();
        const waits = Array.from({ length: 20 }, () => event.waitAsync({ timeout: 5_000 }));
        setTimeout(() => event.set(), 20);
        assert.deepEqual(await Promise.all(waits), Array(20).fill(true));
      });

      it('set() from the same thread while an async wait holds the internal lock goes ahead', async () => {
        const event = make();
        const pending = event.waitAsync({ timeout: 5_000 }); // has taken the internal lock synchronously
        event.set(); // before the async wait's next step: no deadlock error
        assert.equal(await pending, true);
      });

      it('an async waiter woken by set() gets true even when clear() follows at once (Python semantics)', async () => {
        const event = make();
        const pending = event.waitAsync({ timeout: 5_000 });
        await until('the async wait is parked', () => inspect(event).includes('waiting: 1'));
        event.set();
        event.clear();
        assert.equal(await pending, true);
      });
    });

    describe('across worker threads', () => {
      it('one set() wakes 8 workers blocked in wait()', async () => {
        const event = make();
        const workers = Array.from({ length: 8 }, () => primitiveWorker({
          kind: 'event', handle: event.handle, task: 'wait', args: { timeout: 20_000 },
        }));
        await Promise.all(workers.map((w) => w.next('waiting')));
        await until('8 workers wait', () => inspect(event).includes('waiting: 8'));
        event.set();
        const done = await Promise.all(workers.map((w) => w.next('done')));
        assert.deepEqual(done.map((d) => d.result), Array(8).fill(true));
      });

      it('a worker woken by set() gets true even when clear() follows at once (Python semantics)', async () => {
        const event = make();
        const worker = primitiveWorker({ kind: 'event', handle: event.handle, task: 'wait', args: { timeout: 20_000 } });
        await worker.next('waiting');
        await until('the worker waits', () => inspect(event).includes('waiting: 1'));
        event.set();
        event.clear();
        const done = await worker.next('done');
        assert.equal(done.result, true);
        assert.equal(done.isSet, false);
      });

      it('set() in a worker wakes the main thread\'s waitAsync()', async () => {
        const event = make();
        const pending = event.waitAsync({ timeout: 10_000 });
        const worker = primitiveWorker({ kind: 'event', handle: event.handle, task: 'set' });
        await worker.next('done');
        assert.equal(await pending, true);
      });

      it('a pending waitAsync() keeps a worker alive until set()', async () => {
        const event = make();
        const worker = primitiveWorker({ kind: 'event', handle: event.handle, task: 'waitAsync' });
        await worker.next('waiting');
        await new Promise((resolve) => setTimeout(resolve, 200));
        event.set();
        assert.equal((await worker.next('done')).result, true);
      });

      it('terminate() of a worker blocked in wait() completes in under 1 s; the event still works', async () => {
        const event = make();
        const worker = primitiveWorker({ kind: 'event', handle: event.handle, task: 'wait' });
        await worker.next('waiting');
        await until('the worker waits', () => inspect(event).includes('waiting: 1'));
        const start = performance.now();
        await worker.worker.terminate();
        const elapsed = performance.now() - start;
        assert.ok(elapsed < 1_000, `terminate took ${elapsed} ms`);
        const live = primitiveWorker({ kind: 'event', handle: event.handle, task: 'wait', args: { timeout: 10_000 } });
        await live.next('waiting');
        event.set();
        assert.equal((await live.next('done')).result, true);
      });
    });
  });
}

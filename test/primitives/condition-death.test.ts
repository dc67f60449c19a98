/**
 * Owner death of Condition waiters: a thread that dies in wait() is removed
 * from the condition (its slot freed, `deaths` counted), so a later notify()
 * reaches a live waiter; a notification the dead thread had been given but
 * not consumed passes to the oldest live waiter. The native addon's cleanup
 * hook does it, so these run where the addon loads.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { AtomicsMutex, Condition, type BaseLock, type ConditionHandle } from '../../lib/index';
import * as native from '../../lib/native';

const LIB = path.join(__dirname, '..', '..', 'lib', 'index.js');

/** A worker that waits on the condition (timeout ms) and reports what wait() returned. */
const WAITER = `
const { parentPort, workerData } = require('node:worker_threads');
const { Condition } = require(${JSON.stringify(LIB)});
const cond = Condition.from(workerData.handle);
cond.acquire();
parentPort.postMessage({ type: 'waiting' });
const start = performance.now();
const notified = cond.wait(workerData.timeout);
const elapsed = performance.now() - start;
cond.release();
parentPort.postMessage({ type: 'done', notified, elapsed });
`;

interface Done {
  notified: boolean;
  elapsed: number;
}

class Waiter {
  readonly worker: Worker;
  readonly done: Promise<Done>;
  readonly exited: Promise<number>;
  constructor(handle: ConditionHandle, timeout: number) {
    this.worker = new Worker(WAITER, { eval: true, workerData: { handle, timeout } });
    this.done = new Promise<Done>((resolve, reject) => {
      this.worker.on('message', (m: { type: string } & Done) => {
        if (m.type === 'done') resolve(m);
      });
      this.worker.on('error', reject);
    });
    this.done.catch(() => undefined);
    this.exited = new Promise<number>((resolve) => this.worker.on('exit', resolve));
  }
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const LOCKS: Array<{ name: string; make: () => BaseLock }> = [
  { name: 'the default lock (native RecursiveMutex)', make: () => new native.RecursiveMutex() },
  { name: 'an AtomicsMutex', make: () => new AtomicsMutex() },
];

(native.available ? describe : describe.skip)('Condition: owner death of waiters (native cleanup hook)', function () {
  this.timeout(30_000);
  const started: Waiter[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((w) => w.worker.terminate()));
  });

  async function waiter(cond: Condition, timeout: number, expectWaiting: number): Promise<Waiter> {
    const w = new Waiter(cond.handle, timeout);
    started.push(w);
    await until(`${expectWaiting} threads wait`, () => cond.waiting === expectWaiting);
    return w;
  }

  for (const { name, make } of LOCKS) {
    describe(`over ${name}`, () => {
      it('a waiter terminated in wait() is removed: the next notify() reaches a live waiter', async () => {
        const cond = new Condition(make());
        const dying = await waiter(cond, 60_000, 1);
        const live = await waiter(cond, 5_000, 2);
        await dying.worker.terminate();
        await dying.exited;
        assert.equal(cond.waiting, 1);
        assert.equal(cond.deaths, 1);
        cond.acquire();
        cond.notify();
        cond.release();
        const result = await live.done;
        assert.equal(result.notified, true, 'the live waiter was notified (not the dead one)');
        assert.equal(cond.waiting, 0);
      });

      it('a notified waiter that dies before it woke passes the notification to the next waiter', async () => {
        const cond = new Condition(make());
        const dying = await waiter(cond, 60_000, 1);
        const live = await waiter(cond, 5_000, 2);
        cond.acquire();
        cond.notify(); // the oldest waiter: the one about to die; it cannot re-acquire the lock we hold
        await new Promise((resolve) => setTimeout(resolve, 100));
        await dying.worker.terminate();
        await dying.exited;
        assert.equal(cond.deaths, 1);
        assert.equal(cond.waiting, 1, 'only the live waiter is left, holding the passed notification');
        const start = performance.now();
        cond.release();
        const result = await live.done;
        assert.equal(result.notified, true, 'the notification was passed on, not lost');
        assert.ok(performance.now() - start < 2_000, 'seen within a wait slice or so');
        assert.equal(cond.waiting, 0);
      });

      it('deaths counts every waiter that died, across several deaths', async () => {
        const cond = new Condition(make());
        const a = await waiter(cond, 60_000, 1);
        const b = await waiter(cond, 60_000, 2);
        const live = await waiter(cond, 5_000, 3);
        await Promise.all([a.worker.terminate(), b.worker.terminate()]);
        await Promise.all([a.exited, b.exited]);
        assert.equal(cond.deaths, 2);
        assert.equal(cond.waiting, 1);
        cond.acquire();
        cond.notifyAll();
        cond.release();
        assert.equal((await live.done).notified, true);
      });
    });
  }
});

/**
 * Condition.wait() whose re-acquisition of its lock closes a wait cycle
 * throws MutexDeadlockError (native backend: cycles are detected there) and
 * must not leave its waiter slot behind: a slot left WAITING would have the
 * oldest ticket, and later notify() calls would be spent on it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { Condition, MutexDeadlockError } from '../lib/index';
import * as native from '../lib/native';

const describeNative = process.env.OS_MUTEX_BACKEND === 'atomics' ? describe.skip : describe;
const INDEX = path.join(__dirname, '..', 'lib', 'index.js');

describeNative('Condition.wait() that fails to re-acquire its lock', function () {
  this.timeout(60_000);

  it('gives its slot up when re-acquiring after a timeout throws MutexDeadlockError', async () => {
    const l = new native.Mutex();
    const m = new native.Mutex();
    const cond = new Condition(l);
    m.acquire(); // this thread holds M while it waits on the condition (over L)
    // The worker takes L (free while this thread waits on the condition) and
    // waits for M while holding it. When this thread's wait times out and it
    // waits for L, the two wait for each other. Whichever started waiting
    // last is told; when that is the worker (it can be, on a slow machine),
    // it lets L go and tries again, and this thread's wait returns normally
    // and is tried again too.
    const worker = new Worker(`
      const { workerData } = require('node:worker_threads');
      const { Condition, Mutex } = require(${JSON.stringify(INDEX)});
      const cond = Condition.from(workerData.cond);
      const m = Mutex.from(workerData.m);
      const pause = new Int32Array(new SharedArrayBuffer(4));
      for (;;) {
        while (cond.waiting === 0) Atomics.wait(pause, 0, 0, 1);
        cond.acquire();
        try {
          m.acquire(); // blocks until the main thread gives M up
          m.release();
          cond.release();
          break;
        } catch {
          cond.release(); // the cycle was reported here, not to the main thread: again
        }
      }
    `, { eval: true, workerData: { cond: cond.handle, m: m.handle } });
    const exited = new Promise((resolve, reject) => worker.on('exit', resolve).on('error', reject));
    try {
      cond.acquire();
      let error: unknown;
      for (let attempt = 0; attempt < 40 && error === undefined; attempt++) {
        try {
          cond.wait(300); // times out, then re-acquiring L closes the cycle
        } catch (caught) {
          error = caught;
        }
      }
      assert.ok(error instanceof MutexDeadlockError, `expected MutexDeadlockError, got ${String(error)}`);
      assert.equal(cond.lock.isOwned(), false, 'the lock was not re-acquired');
      assert.equal(cond.waiting, 0, 'the failed waiter left no slot behind');
    } finally {
      m.release(); // let the worker finish, whatever happened
      // A worker still looping (the test failed before the cycle was reported
      // here) would keep the process alive: end it.
      const done = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000, 'late'))]);
      if (done === 'late') await worker.terminate();
    }
    assert.equal(await exited, 0);
    // The condition still works for the next waiter.
    cond.acquire();
    assert.equal(cond.wait(10), false);
    cond.release();
    assert.equal(cond.waiting, 0);
  });
});

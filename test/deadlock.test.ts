/**
 * Cross-lock deadlock detection (native backend): a wait cycle across threads
 * is reported to exactly one of its members, naming the locks and threads;
 * a chain of waits that is not a cycle is never reported.
 */
import assert from 'node:assert/strict';

import * as native from '../lib/native';
import { IMPLEMENTATIONS } from './helpers/implementations';
import { sleep, startWorker, terminateAll, type TestWorker, type WorkerMessage } from './helpers/workers';

/** The first of 'deadlock' / 'acquired' a worker reports. */
async function outcome(worker: TestWorker): Promise<WorkerMessage> {
  return worker.next(['deadlock', 'acquired'], 15_000);
}

for (const impl of IMPLEMENTATIONS.filter((candidate) => candidate.backend === 'native')) {
  const { Lock } = impl;

  describe(`${impl.name}: deadlock detection`, function () {
    this.timeout(30_000);
    afterEach(terminateAll);

    for (const size of [2, 3]) {
      it(`a wait cycle of ${size} workers is reported to one of them, naming the locks and threads`, async () => {
        const locks = Array.from({ length: size }, () => new Lock());
        // worker i holds lock i and then waits for lock i+1 (mod size)
        const workers = await Promise.all(locks.map((lock, i) => startWorker({
          impl: impl.name, handle: lock.handle, task: 'chain', args: { second: locks[(i + 1) % size].handle },
        })));
        const threadIds = workers.map((worker) => worker.threadId); // -1 once a worker has exited
        await Promise.all(workers.map((worker) => worker.next('held')));
        for (const worker of workers) worker.post('go');
        const results = await Promise.all(workers.map(outcome));
        const reports = results.filter((message) => message.type === 'deadlock');
        assert.equal(reports.length, 1, `exactly one member reports: ${JSON.stringify(results.map((r) => r.type))}`);
        const report = reports[0];
        assert.equal(report.code, 'ERR_MUTEX_DEADLOCK');
        assert.equal(report.name, 'MutexDeadlockError');
        for (const lock of locks) assert.match(report.message as string, new RegExp(`${Lock.name} #${lock.handle.id}\\b`));
        for (const id of threadIds) assert.match(report.message as string, new RegExp(`(thread |\\()${id}\\b`));
        await Promise.all(workers.map((worker) => worker.next('done')));
        for (const lock of locks) assert.equal(lock.locked(), false);
      });
    }

    it('a long chain of waits that is not a cycle is never reported', async () => {
      const [a, b, c] = [new Lock(), new Lock(), new Lock()];
      c.acquire(); // the main thread holds c and does not wait
      const first = await startWorker({ impl: impl.name, handle: a.handle, task: 'chain', args: { second: b.handle } });
      const second = await startWorker({ impl: impl.name, handle: b.handle, task: 'chain', args: { second: c.handle } });
      await Promise.all([first.next('held'), second.next('held')]);
      first.post('go');
      second.post('go');
      await sleep(400); // several detection rounds
      c.release();
      assert.equal((await outcome(second)).type, 'acquired');
      assert.equal((await outcome(first)).type, 'acquired');
      await Promise.all([first.next('done'), second.next('done')]);
    });

    it('a timed wait is never part of a reported cycle (it ends by itself)', async () => {
      const [a, b] = [new Lock(), new Lock()];
      b.acquire();
      const worker = await startWorker({ impl: impl.name, handle: a.handle, task: 'chain', args: { second: b.handle } });
      await worker.next('held');
      worker.post('go');
      await sleep(100);
      // The main thread holds b and waits for a (held by the worker, which waits for b): a cycle,
      // but this wait has a timeout, so it simply times out.
      assert.equal(a.acquire({ timeout: 300 }), false);
      b.release();
      assert.equal((await outcome(worker)).type, 'acquired');
    });
  });
}

describe('deadlock detection: scope', () => {
  it('is provided by the native backend only', () => {
    const nativeLock = native.available ? new native.Mutex() : undefined;
    const atomics = IMPLEMENTATIONS.find((impl) => impl.backend === 'atomics')!;
    assert.equal(typeof (new atomics.Lock() as unknown as { findWaitCycle?: unknown }).findWaitCycle, 'undefined');
    if (nativeLock) assert.equal(nativeLock.backend, 'native');
  });
});

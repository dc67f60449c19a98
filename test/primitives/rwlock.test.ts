/**
 * ReadWriteLock: the single-thread API and its misuse errors, then worker
 * threads: writers never see a reader inside while readers overlap, a writer
 * is not starved by a stream of readers, blocked workers terminate promptly,
 * and owner death (a dying writer abandons, a dying reader's shares return).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { inspect } from 'node:util';
import { threadId } from 'node:worker_threads';

import {
  AtomicsMutex, MutexDeadlockError, MutexInvalidHandleError, MutexNotOwnerError, MutexTimeoutError,
  MutexWaitersLimitError,
} from '../../lib/index';
import { ReadWriteLock } from '../../lib/api/rwlock';
import * as native from '../../lib/native';
import { C, type RwWorkerData } from '../fixtures/rw-worker';
import { sleep, terminateAll, TestWorker, type LockWorkerData } from '../helpers/workers';

const RW_WORKER = path.join(__dirname, '..', 'fixtures', 'rw-worker.js');

function rwWorker(data: RwWorkerData): TestWorker {
  return new TestWorker(data as unknown as LockWorkerData, RW_WORKER);
}

function counters(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(C.SIZE * 4));
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('ReadWriteLock: one thread', () => {
  it('read shares are counted per thread; the write side is exclusive', () => {
    const rw = new ReadWriteLock();
    assert.equal(inspect(rw), 'ReadWriteLock { unlocked }');
    assert.equal(rw.tryAcquireRead(), true);
    assert.equal(rw.acquireRead(), true); // re-entry counts
    assert.equal(rw.readShares, 2);
    assert.equal(rw.readers, 1);
    assert.equal(rw.readLocked(), true);
    assert.equal(rw.writeLocked(), false);
    assert.equal(inspect(rw), 'ReadWriteLock { read-locked, readers: 1 }');
    rw.releaseRead();
    rw.releaseRead();
    assert.equal(rw.readShares, 0);
    assert.equal(rw.readLocked(), false);
    assert.equal(rw.acquireWrite(), true);
    assert.equal(rw.isWriteOwned(), true);
    assert.equal(rw.writer, threadId);
    assert.equal(rw.abandoned, false);
    assert.equal(inspect(rw), `ReadWriteLock { write-locked, writer: ${threadId} }`);
    rw.releaseWrite();
    assert.equal(rw.writer, null);
    assert.equal(rw.tryAcquireWrite(), true);
    rw.releaseWrite();
  });

  it('asking for the write side while holding a read share: MutexDeadlockError blocking, false without waiting', () => {
    const rw = new ReadWriteLock();
    rw.acquireRead();
    assert.throws(() => rw.acquireWrite(), MutexDeadlockError);
    assert.throws(() => rw.acquireWrite({ timeout: 10 }), MutexDeadlockError);
    assert.throws(() => rw.writeLock(), MutexDeadlockError);
    assert.equal(rw.tryAcquireWrite(), false);
    assert.equal(rw.acquireWrite({ blocking: false }), false);
    assert.equal(rw.acquireWrite({ timeout: 0 }), false);
    assert.equal(rw.readShares, 1, 'the failed attempts left the share alone');
    rw.releaseRead();
    assert.equal(rw.tryAcquireWrite(), true);
    rw.releaseWrite();
  });

  it('the write side is not recursive; a read by the writer is a deadlock too', () => {
    const rw = new ReadWriteLock();
    rw.acquireWrite();
    assert.throws(() => rw.acquireWrite(), (e: Error) => e instanceof MutexDeadlockError && /not recursive/.test(e.message));
    assert.equal(rw.tryAcquireWrite(), false);
    assert.throws(() => rw.acquireRead(), MutexDeadlockError);
    assert.equal(rw.tryAcquireRead(), false);
    rw.releaseWrite();
  });

  it('releases by a thread that does not hold the side: MutexNotOwnerError', () => {
    const rw = new ReadWriteLock();
    assert.throws(() => rw.releaseRead(), MutexNotOwnerError);
    assert.throws(() => rw.releaseWrite(), MutexNotOwnerError);
    rw.acquireRead();
    assert.throws(() => rw.releaseWrite(), MutexNotOwnerError);
    rw.releaseRead();
    assert.throws(() => rw.releaseRead(), (e: Error) => e instanceof MutexNotOwnerError && /holds no read share/.test(e.message));
    rw.acquireWrite();
    assert.throws(() => rw.releaseRead(), MutexNotOwnerError);
    rw.releaseWrite();
  });

  it('option rules as Mutex.acquire(): coded TypeError / RangeError', () => {
    const rw = new ReadWriteLock();
    assert.equal(code(() => rw.acquireRead({ timeout: -1 })), 'ERR_OUT_OF_RANGE');
    assert.equal(code(() => rw.acquireWrite({ timeout: Number.NaN })), 'ERR_OUT_OF_RANGE');
    assert.equal(code(() => rw.acquireRead({ blocking: false, timeout: 5 })), 'ERR_INVALID_ARG_VALUE');
    assert.equal(code(() => rw.acquireWrite('x' as never)), 'ERR_INVALID_ARG_TYPE');
    assert.equal(code(() => rw.withReadLock('x' as never)), 'ERR_INVALID_ARG_TYPE');
    assert.equal(code(() => new ReadWriteLock({ maxReaders: 0 })), 'ERR_OUT_OF_RANGE');
    assert.equal(code(() => new ReadWriteLock({ maxReaders: 1.5 })), 'ERR_OUT_OF_RANGE');
    assert.equal(code(() => new ReadWriteLock({ maxReaders: '2' as never })), 'ERR_INVALID_ARG_TYPE');
    assert.throws(() => rw.acquireReadAsync({ signal: {} as never }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.equal(rw.readLocked() || rw.writeLocked(), false);
  });

  it('guards release once; withReadLock / withWriteLock release on return and throw', () => {
    const rw = new ReadWriteLock();
    {
      using g = rw.readLock();
      assert.equal(g.held, true);
      assert.equal(rw.readShares, 1);
    }
    assert.equal(rw.readShares, 0);
    const w = rw.writeLock({ timeout: 10 });
    assert.equal(w.abandoned, false);
    w.release();
    w.release(); // no-op
    assert.equal(rw.writeLocked(), false);
    assert.equal(rw.withReadLock(() => rw.readShares), 1);
    assert.equal(rw.withWriteLock(() => rw.isWriteOwned()), true);
    assert.throws(() => rw.withWriteLock(() => {
      throw new Error('boom');
    }), /boom/);
    assert.equal(rw.writeLocked(), false);
    assert.throws(() => rw.withReadLock(() => Promise.resolve(1)), { code: 'ERR_INVALID_RETURN_VALUE' });
    assert.equal(rw.readLocked(), false);
    rw.acquireRead();
    assert.throws(() => rw.writeLock({ blocking: false }), MutexTimeoutError);
    rw.releaseRead();
  });

  it('handle / from(): the same lock, shares per thread across objects; subclasses; invalid handles', () => {
    const rw = new ReadWriteLock({ maxReaders: 4 });
    const same = ReadWriteLock.from(rw.handle);
    assert.equal(same.maxReaders, 4);
    rw.acquireRead();
    assert.equal(same.readShares, 1);
    assert.equal(same.tryAcquireWrite(), false);
    assert.throws(() => same.acquireWrite(), MutexDeadlockError, 'the thread holds a share through the other object');
    same.acquireRead(); // re-entry through the other object
    assert.equal(rw.readShares, 2);
    same.releaseRead();
    same.releaseRead();
    assert.equal(rw.readShares, 0);
    class Mine extends ReadWriteLock {}
    const mine = Mine.from(rw.handle);
    assert.ok(mine instanceof Mine);
    mine.acquireWrite();
    assert.equal(rw.isWriteOwned(), true);
    rw.releaseWrite();
    assert.throws(() => ReadWriteLock.from({} as never), MutexInvalidHandleError);
    assert.throws(() => ReadWriteLock.from(new AtomicsMutex().handle as never), MutexInvalidHandleError);
    assert.throws(() => ReadWriteLock.from({ osMutex: 1, type: 'rwlock', buffer: new SharedArrayBuffer(64) } as never),
      MutexInvalidHandleError);
    const { from } = ReadWriteLock;
    assert.throws(() => from.call(undefined as never, rw.handle), { code: 'ERR_INVALID_THIS' });
    assert.ok(structuredClone(rw.handle).buffer instanceof SharedArrayBuffer);
  });

  it('async: a write waits for this thread\'s own read share, then holds it; timeouts and aborts leave nothing behind', async () => {
    const rw = new ReadWriteLock();
    assert.equal(await rw.acquireReadAsync(), true);
    const write = rw.acquireWriteAsync();
    await sleep(30);
    assert.equal(rw.writeLocked(), false);
    assert.equal(inspect(rw), `ReadWriteLock { read-locked, readers: 1, writer waiting: ${threadId} }`);
    rw.releaseRead();
    assert.equal(await write, true);
    assert.equal(rw.isWriteOwned(), true);
    assert.equal(await rw.acquireReadAsync({ timeout: 20 }), false);
    await assert.rejects(rw.readLockAsync({ timeout: 0 }), MutexTimeoutError);
    const controller = new AbortController();
    const aborted = rw.acquireWriteAsync({ signal: controller.signal });
    controller.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
    rw.releaseWrite();
    // A claim given up by timeout does not block readers.
    rw.acquireRead();
    assert.equal(await rw.acquireWriteAsync({ timeout: 30 }), false);
    assert.equal(rw.tryAcquireRead(), true);
    rw.releaseRead();
    rw.releaseRead();
    await rw.withWriteLockAsync(async () => {
      await sleep(1);
      assert.equal(rw.isWriteOwned(), true);
    });
    assert.equal(await rw.withReadLockAsync(() => rw.readShares), 1);
    const g = await rw.writeLockAsync();
    g.release();
    assert.equal(rw.readLocked() || rw.writeLocked(), false);
  });
});

describe('ReadWriteLock: across worker threads', function () {
  this.timeout(30_000);
  afterEach(terminateAll);

  it('writers never see a reader (or writer) inside; readers do overlap', async () => {
    const rw = new ReadWriteLock();
    const c = counters();
    const workers = [
      ...Array.from({ length: 6 }, () => rwWorker({ handle: rw.handle, task: 'readLoop', counters: c.buffer as SharedArrayBuffer, args: { us: 200 } })),
      ...Array.from({ length: 2 }, () => rwWorker({ handle: rw.handle, task: 'writeLoop', counters: c.buffer as SharedArrayBuffer, args: { us: 100, pauseUs: 500 } })),
    ];
    await Promise.all(workers.map((w) => w.next('started')));
    await sleep(1000);
    Atomics.store(c, C.STOP, 1);
    await Promise.all(workers.map((w) => w.next('done')));
    assert.equal(Atomics.load(c, C.VIOLATIONS), 0);
    assert.ok(Atomics.load(c, C.MAX_READERS_INSIDE) >= 2, `readers overlapped (max ${Atomics.load(c, C.MAX_READERS_INSIDE)} inside)`);
    assert.ok(Atomics.load(c, C.WRITES) > 0, 'writers got in');
    assert.ok(Atomics.load(c, C.READS) > 0);
    assert.equal(rw.readLocked() || rw.writeLocked(), false);
  });

  it('a writer is not starved by 7 workers reading continuously', async () => {
    const rw = new ReadWriteLock();
    const c = counters();
    const readers = Array.from({ length: 7 }, () =>
      rwWorker({ handle: rw.handle, task: 'readLoop', counters: c.buffer as SharedArrayBuffer, args: { us: 100 } }));
    await Promise.all(readers.map((w) => w.next('started')));
    await sleep(200);
    for (let round = 0; round < 5; round++) {
      const start = performance.now();
      assert.equal(rw.acquireWrite({ timeout: 5_000 }), true);
      const waited = performance.now() - start;
      assert.equal(Atomics.load(c, C.READERS_INSIDE), 0);
      rw.releaseWrite();
      assert.ok(waited < 1_000, `the writer got in after ${waited.toFixed(1)} ms`);
      await sleep(20);
    }
    Atomics.store(c, C.STOP, 1);
    await Promise.all(readers.map((w) => w.next('done')));
  });

  for (const side of ['read', 'write'] as const) {
    it(`worker.terminate() of a worker blocked in acquire${side === 'read' ? 'Read' : 'Write'}() completes within a second`, async () => {
      const rw = new ReadWriteLock();
      rw.acquireWrite();
      const w = rwWorker({ handle: rw.handle, task: 'block', args: { side } });
      await w.next('waiting');
      await sleep(100);
      const start = performance.now();
      await w.worker.terminate();
      const took = performance.now() - start;
      assert.ok(took < 1_000, `terminate took ${took.toFixed(0)} ms`);
      rw.releaseWrite();
      assert.equal(rw.tryAcquireRead(), true, 'the dead waiter left no share behind');
      rw.releaseRead();
    });
  }

  it('maxReaders caps the threads reading at once: MutexWaitersLimitError', async () => {
    const rw = new ReadWriteLock({ maxReaders: 1 });
    const holder = rwWorker({ handle: rw.handle, task: 'hold', args: { side: 'read' } });
    await holder.next('held');
    assert.throws(() => rw.tryAcquireRead(), MutexWaitersLimitError);
    holder.post('go');
    await holder.next('done');
    assert.equal(rw.tryAcquireRead(), true);
    rw.releaseRead();
  });

  it('a pending acquireWriteAsync keeps its worker alive until it is granted', async () => {
    const rw = new ReadWriteLock();
    rw.acquireRead();
    const w = rwWorker({ handle: rw.handle, task: 'asyncWrite' });
    await w.next('pending');
    await sleep(200);
    assert.equal(rw.tryAcquireRead(), true, 'a claimed write side does not stop a thread that already reads');
    rw.releaseRead();
    rw.releaseRead();
    const message = await w.next('acquired');
    assert.equal(message.acquired, true);
    await w.exit();
  });
});

(native.available ? describe : describe.skip)('ReadWriteLock: owner death (native cleanup hook)', function () {
  this.timeout(30_000);
  afterEach(terminateAll);

  for (const die of ['terminate', 'return', 'process.exit', 'throw']) {
    it(`a writer that dies (${die}) releases the write side, marked abandoned for the next writer`, async () => {
      const rw = new ReadWriteLock();
      const holder = rwWorker({ handle: rw.handle, task: 'hold', args: { side: 'write', die } });
      await holder.next('held');
      assert.equal(rw.tryAcquireRead(), false);
      if (die === 'terminate') await holder.worker.terminate();
      else holder.post('die');
      await holder.exited;
      assert.equal(rw.acquireWrite({ timeout: 5_000 }), true);
      assert.equal(rw.abandoned, true);
      assert.match(inspect(rw), /abandoned/);
      rw.releaseWrite();
      assert.equal(rw.acquireWrite({ timeout: 0 }), true);
      assert.equal(rw.abandoned, false, 'cleared by the release');
      rw.releaseWrite();
    });
  }

  it('a writer blocked on a dying writer gets the write side, marked abandoned', async () => {
    const rw = new ReadWriteLock();
    const holder = rwWorker({ handle: rw.handle, task: 'hold', args: { side: 'write' } });
    await holder.next('held');
    const waiter = rwWorker({ handle: rw.handle, task: 'block', args: { side: 'write' } });
    await waiter.next('waiting');
    await sleep(50);
    await holder.worker.terminate();
    const got = await waiter.next('acquired');
    assert.equal(got.abandoned, true);
  });

  for (const die of ['terminate', 'return']) {
    it(`a reader that dies (${die}) holding shares returns them: a writer then gets in, not abandoned`, async () => {
      const rw = new ReadWriteLock();
      const reader = rwWorker({ handle: rw.handle, task: 'hold', args: { side: 'read', depth: 3, die } });
      const held = await reader.next('held');
      assert.equal(held.readShares, 3);
      assert.equal(rw.readers, 1);
      assert.equal(rw.tryAcquireWrite(), false);
      if (die === 'terminate') await reader.worker.terminate();
      else reader.post('die');
      await reader.exited;
      assert.equal(rw.readers, 0);
      assert.equal(rw.acquireWrite({ timeout: 5_000 }), true);
      assert.equal(rw.abandoned, false);
      rw.releaseWrite();
    });
  }

  it('a writer waiting for a reader to leave gets in when that reader dies', async () => {
    const rw = new ReadWriteLock();
    const reader = rwWorker({ handle: rw.handle, task: 'hold', args: { side: 'read' } });
    await reader.next('held');
    const writer = rwWorker({ handle: rw.handle, task: 'block', args: { side: 'write' } });
    await writer.next('waiting');
    await sleep(50);
    assert.match(inspect(rw), /writer waiting/);
    await reader.worker.terminate();
    const got = await writer.next('acquired');
    assert.equal(got.abandoned, false);
  });
});

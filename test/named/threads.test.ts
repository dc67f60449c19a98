/**
 * Threads of one process that open the same name share one lock with
 * per-thread ownership, exactly like Mutex: a worker holding it blocks the
 * main thread, a worker that dies holding it leaves it abandoned, a plain lock
 * re-acquired by its holder throws MutexDeadlockError, and two objects of the
 * same name in one thread are one lock.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { inspect } from 'node:util';

import { Condition, MutexDeadlockError, MutexInvalidHandleError } from '../../lib/index';
import { type LockWorkerData, sleep, TestWorker, terminateAll } from '../helpers/workers';
import { NAMED_KINDS, type NamedKind, namedClass, NamedMutex, NamedRecursiveMutex, removeAll, SLOW, uniqueName } from './named-api';

const ATOMICS_ONLY = process.env.OS_MUTEX_BACKEND === 'atomics';
const NAMED_WORKER = path.join(__dirname, '..', 'fixtures', 'named-worker.js');

function startNamedWorker(data: { kind: NamedKind; name: string; task: 'hold' | 'try'; depth?: number; then?: 'exit' }): TestWorker {
  return new TestWorker(data as unknown as LockWorkerData, NAMED_WORKER);
}

describe('named locks: threads of one process', function () {
  this.timeout(30_000 * SLOW);
  const names = new Set<string>();

  before(function () {
    if (ATOMICS_ONLY) this.skip(); // OS_MUTEX_BACKEND=atomics: no native addon, no named locks
  });

  afterEach(async () => {
    await terminateAll();
    removeAll(names);
    names.clear();
  });

  function name(tag: string): string {
    const unique = uniqueName(tag);
    names.add(unique);
    return unique;
  }

  for (const kind of NAMED_KINDS) {
    const Lock = namedClass(kind);
    const recursive = kind === 'NamedRecursiveMutex';

    it(`${kind}: a worker holding it blocks the main thread until it releases; owner is { pid, threadId }`, async () => {
      const lockName = name('worker-holds');
      const m = new Lock(lockName);
      const worker = startNamedWorker({ kind, name: lockName, task: 'hold' });
      const held = await worker.next('held');
      assert.deepEqual(held.owner, { pid: process.pid, threadId: worker.threadId });
      assert.deepEqual(m.owner, { pid: process.pid, threadId: worker.threadId });
      assert.equal(m.locked(), true);
      assert.equal(m.isOwned(), false);
      assert.equal(m.tryAcquire(), false);
      const t0 = performance.now();
      assert.equal(m.acquire({ timeout: 50 }), false);
      assert.ok(performance.now() - t0 >= 49, 'the timed acquire waited its timeout');
      const acquiredLater = m.acquireAsync({ timeout: 10_000 * SLOW });
      worker.post('release');
      await worker.next('released');
      assert.equal(await acquiredLater, true);
      assert.equal(m.isOwned(), true);
      assert.equal(m.abandoned, false);
      assert.deepEqual(m.owner, { pid: process.pid, threadId: 0 });
      m.release();
      assert.equal(m.owner, null);
    });

    for (const ending of ['terminated', 'exits'] as const) {
      it(`${kind}: a worker that ${ending === 'terminated' ? 'is terminated' : 'ends'} holding it: the main thread acquires it, abandoned`, async () => {
        const lockName = name(`worker-${ending}`);
        const m = new Lock(lockName);
        const worker = startNamedWorker({
          kind, name: lockName, task: 'hold', depth: recursive ? 2 : 1, ...(ending === 'exits' ? { then: 'exit' } : {}),
        });
        await worker.next('held');
        if (ending === 'terminated') await worker.worker.terminate();
        await worker.exit();
        const guard = m.lock({ timeout: 5000 * SLOW });
        assert.equal(guard.abandoned, true);
        assert.equal(m.abandoned, true);
        if (recursive) assert.equal(m.count, 1);
        guard.release();
        assert.equal(m.abandoned, false);
        assert.equal(m.locked(), false);
      });
    }

    it(`${kind}: two objects of the same name in one thread share ownership` +
      (recursive ? ' and count' : '; acquiring the second while holding the first throws MutexDeadlockError'), async () => {
      const lockName = name('same-thread');
      const a = new Lock(lockName);
      const b = new Lock(lockName);
      assert.equal(a.acquire(), true);
      assert.equal(a.isOwned(), true);
      assert.equal(b.isOwned(), true);
      assert.equal(b.locked(), true);
      if (recursive) {
        assert.equal(b.acquire(), true);
        assert.equal(a.count, 2);
        assert.equal(b.count, 2);
        b.release();
        assert.equal(a.count, 1);
      } else {
        assert.throws(() => b.acquire(), (error: unknown) => error instanceof MutexDeadlockError && error.code === 'ERR_MUTEX_DEADLOCK');
        assert.throws(() => a.acquire(), MutexDeadlockError);
        assert.equal(b.tryAcquire(), false);
      }
      const worker = startNamedWorker({ kind, name: lockName, task: 'try' });
      const tried = await worker.next('tried');
      assert.equal(tried.acquired, false, 'another thread cannot take it');
      assert.deepEqual(tried.owner, { pid: process.pid, threadId: 0 });
      b.release(); // the release of either object releases the one lock
      assert.equal(a.locked(), false);
      assert.equal(a.isOwned(), false);
    });

    it(`${kind}: handle is { osMutex: 1, backend: 'named', kind, name, user }, JSON-safe; from() of it is the same lock`, () => {
      const lockName = name('handle');
      const m = new Lock(lockName);
      assert.equal(m.name, lockName);
      assert.equal(m.backend, 'named');
      const handle = m.handle;
      assert.deepEqual(Object.keys(handle).sort(), ['backend', 'kind', 'name', 'osMutex', 'user']);
      assert.equal(handle.osMutex, 1);
      assert.equal(handle.backend, 'named');
      assert.equal(handle.name, lockName);
      const copy = Lock.from(JSON.parse(JSON.stringify(handle)));
      assert.deepEqual(copy.handle, handle);
      m.acquire();
      assert.equal(copy.isOwned(), true);
      assert.match(inspect(m), new RegExp(kind));
      assert.match(inspect(m), /locked/);
      copy.release();
      assert.equal(m.locked(), false);
    });

    it(`${kind}: async waiters of one thread are served first come, first served`, async () => {
      const lockName = name('fifo');
      const m = new Lock(lockName);
      m.acquire();
      const order: number[] = [];
      const waits = [0, 1, 2, 3, 4].map((i) => m.acquireAsync().then((acquired) => {
        assert.equal(acquired, true);
        order.push(i);
        setImmediate(() => m.release());
      }));
      await sleep(20);
      assert.deepEqual(order, []);
      m.release();
      await Promise.all(waits);
      assert.deepEqual(order, [0, 1, 2, 3, 4]);
      await sleep(5);
      assert.equal(m.locked(), false);
    });
  }

  it('a Condition over a named lock is refused (ERR_INVALID_ARG_VALUE): its waiters could only be notified from this process', () => {
    for (const kind of NAMED_KINDS) {
      const m = new (namedClass(kind))(name('cond'));
      assert.throws(() => new Condition(m as never), (e: unknown) =>
        e instanceof TypeError && (e as { code?: string }).code === 'ERR_INVALID_ARG_VALUE' && /named lock/.test(e.message));
    }
  });

  it('a name holds one kind: opening it with the other class throws MutexInvalidHandleError', () => {
    const plainName = name('kind');
    const plain = new NamedMutex(plainName);
    assert.throws(() => new NamedRecursiveMutex(plainName), (e: unknown) =>
      e instanceof MutexInvalidHandleError && e.code === 'ERR_MUTEX_INVALID_HANDLE');
    assert.throws(() => NamedRecursiveMutex.from(plain.handle), MutexInvalidHandleError);
    const recursiveName = name('kind');
    const recursive = new NamedRecursiveMutex(recursiveName);
    assert.throws(() => new NamedMutex(recursiveName), MutexInvalidHandleError);
    assert.throws(() => NamedMutex.from(recursive.handle), MutexInvalidHandleError);
  });
});

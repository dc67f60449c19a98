/**
 * What only the native backend has: the process-wide lock table, its memory
 * lifetime, and the addon's own defences.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import * as native from '../lib/native';
import { collectGarbage } from './helpers/gc';
import { MutexInvalidHandleError } from '../lib/index';
import { runTask, terminateAll } from './helpers/workers';

/**
 * Creates, uses and drops `count` locks. A plain function, not a loop in the
 * async test: an async function's locals live on across its awaits, so the
 * last lock of such a loop would stay reachable.
 */
function createAndDrop(count: number, Lock: typeof native.Mutex | typeof native.RecursiveMutex): void {
  for (let i = 0; i < count; i++) {
    const m = new Lock();
    m.acquire();
    m.release();
  }
}

const describeNative = process.env.OS_MUTEX_BACKEND === 'atomics' ? describe.skip : describe;

describeNative('native backend: registry and memory', function () {
  this.timeout(120_000);
  afterEach(terminateAll);

  it('creating and dropping 100,000 mutexes with GC forced returns the registry to its baseline', async () => {
    await collectGarbage();
    const baseline = native.nativeLockCount();
    const rssBefore = process.memoryUsage().rss;
    for (let batch = 0; batch < 10; batch++) {
      createAndDrop(10_000, batch % 2 === 0 ? native.Mutex : native.RecursiveMutex);
      await collectGarbage(2);
    }
    await collectGarbage();
    assert.equal(native.nativeLockCount(), baseline, 'every dropped lock is freed');
    const growth = process.memoryUsage().rss - rssBefore;
    assert.ok(growth < 64 * 1024 * 1024, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB`);
  });

  it('a lock stays alive while any object refers to it, and its id is never reused', async () => {
    let m: native.Mutex | undefined = new native.Mutex();
    const handle = m.handle;
    const other = native.Mutex.from(handle);
    m = undefined;
    await collectGarbage();
    // `other` keeps it alive
    other.acquire();
    const again = native.Mutex.from(handle);
    assert.equal(again.isOwned(), true);
    other.release();
    const fresh = new native.Mutex();
    assert.ok((fresh.handle.id as number) > (handle.id as number));
  });

  it('from() of a handle whose lock was collected throws MutexInvalidHandleError', async () => {
    const handle = (() => new native.Mutex().handle)();
    await collectGarbage();
    assert.throws(() => native.Mutex.from(handle), (error: Error) => {
      assert.ok(error instanceof MutexInvalidHandleError);
      assert.match(error.message, /no live lock/);
      return true;
    });
  });

  it('from() of a handle made in another process says so (native locks are per process)', () => {
    const script = `const { Mutex } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'native.js'))});
      const { buffer, ...plain } = new Mutex().handle; process.stdout.write(JSON.stringify(plain));`;
    const foreign = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 }));
    assert.notEqual(foreign.pid, process.pid);
    assert.throws(() => native.Mutex.from({ ...foreign, buffer: new SharedArrayBuffer(16) }), (error: Error) => {
      assert.ok(error instanceof MutexInvalidHandleError);
      assert.match(error.message, new RegExp(`comes from process ${foreign.pid}, not this one \\(${process.pid}\\)`));
      return true;
    });
  });

  it("locks opened in a worker are freed when the worker's objects go away", async () => {
    await collectGarbage();
    const baseline = native.nativeLockCount();
    const m = new native.Mutex();
    await runTask({ impl: 'Mutex', handle: m.handle, task: 'observe' });
    assert.equal(native.nativeLockCount(), baseline + 1, 'the main thread still refers to it');
    assert.equal(m.locked(), false);
  });
});

/**
 * The addon's per-environment tryLock()/unlock() find their lock through a
 * slot in a word of shared memory that JavaScript writes: whatever is
 * written there, they reach only the entries this environment recorded.
 * Run in a child process that loads the addon directly (lib/ would own the
 * slot word otherwise).
 */
describeNative('native backend: slots', function () {
  this.timeout(60_000);

  it('tryLock()/unlock() with a slot word naming no live entry of this thread do nothing; create/open/setSlotWord refuse bad arguments', () => {
    const root = path.resolve(__dirname, '..', '..');
    const layout = path.join(__dirname, '..', 'lib', 'contract', 'layout.js');
    const script = `
      const { KIND_MUTEX, META_OWNER, META_WORDS, NO_OWNER } = require(${JSON.stringify(layout)});
      const b = require('node-gyp-build')(${JSON.stringify(root)});
      b.init(0);
      const out = {};
      const word = new Int32Array(new SharedArrayBuffer(4));
      b.setSlotWord(word);
      out.beforeAny = [String(b.tryLock()), String(b.unlock())];
      const words = () => { const w = new Int32Array(new SharedArrayBuffer(META_WORDS * 4)); w[META_OWNER] = NO_OWNER; return w; };
      const w = words();
      const anchor = {};
      const slot = b.create(KIND_MUTEX, w, anchor);
      out.slotType = typeof slot;
      out.hostile = [-1, slot + 1, 2 ** 31 - 1, -(2 ** 31), 1e6].map((v) => { word[0] = v; return [String(b.tryLock()), String(b.unlock()), w[META_OWNER]]; });
      word[0] = slot;
      out.take = [b.tryLock() === b, w[META_OWNER]];
      word[0] = slot + 1;
      b.unlock();
      out.afterWrongUnlock = w[META_OWNER];
      word[0] = slot;
      b.unlock();
      out.afterUnlock = w[META_OWNER];
      out.badAnchors = [1, 'x', undefined, null].map((a) => b.create(KIND_MUTEX, words(), a));
      out.badOpenAnchor = String(b.open(b.idOf(slot), KIND_MUTEX, b.tag, w, 7));
      out.badSlotWords = [new Int32Array(1), new Int32Array(new SharedArrayBuffer(0)), {}, 1].map((v) => {
        try { b.setSlotWord(v); return 'accepted'; } catch (e) { return e.constructor.name; }
      });
      // The entry of a collected anchor goes at the next sweep; its slot then names nothing.
      const stale = (() => b.create(KIND_MUTEX, words(), {}))();
      gc(); b.sweep();
      word[0] = stale;
      out.stale = [stale === slot, String(b.tryLock()), String(b.idOf(stale))];
      word[0] = slot;
      out.kept = [b.tryLock() === b, w[META_OWNER], b.idOf(slot) > 0];
      b.unlock();
      process.stdout.write(JSON.stringify(out));
      void anchor;`;
    const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 30_000 }));
    assert.deepEqual(out.beforeAny, ['undefined', 'undefined']);
    assert.equal(out.slotType, 'number');
    for (const step of out.hostile) assert.deepEqual(step, ['undefined', 'undefined', -1], 'a slot naming no entry');
    assert.deepEqual(out.take, [true, 0]);
    assert.equal(out.afterWrongUnlock, 0, 'unlock() of another slot left the lock held');
    assert.equal(out.afterUnlock, -1);
    assert.deepEqual(out.badAnchors, [null, null, null, null]);
    assert.equal(out.badOpenAnchor, 'undefined');
    assert.deepEqual(out.badSlotWords, ['TypeError', 'TypeError', 'TypeError', 'TypeError']);
    assert.deepEqual(out.stale, [false, 'undefined', 'undefined']);
    assert.deepEqual(out.kept, [true, 0, true]);
  });
});

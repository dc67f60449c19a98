/**
 * Native locks' shared words are packed in slabs (one SharedArrayBuffer for
 * the words of up to 32 locks of a thread); a handle carries the buffer and
 * the words' byte offset in it. These tests pin that a handle reaches its own
 * lock's words only, that locks sharing a slab do not disturb each other,
 * and the slab's lifetime.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { MutexInvalidHandleError, type MutexHandle } from '../lib/index';
import * as native from '../lib/native';
import { startWorker, terminateAll } from './helpers/workers';

const describeNative = process.env.OS_MUTEX_BACKEND === 'atomics' ? describe.skip : describe;
const META_BYTES = 16;

/** Two new locks whose words sit next to each other in one slab. */
function neighbours<L extends native.Mutex>(Lock: new () => L): [L, L] {
  for (;;) {
    const a = new Lock();
    const b = new Lock();
    if (a.handle.buffer === b.handle.buffer) return [a, b];
  }
}

function assertInvalid(call: () => unknown, message?: RegExp): void {
  assert.throws(call, (error: Error) => {
    assert.ok(error instanceof MutexInvalidHandleError, `got ${String(error)}`);
    assert.equal((error as MutexInvalidHandleError).code, 'ERR_MUTEX_INVALID_HANDLE');
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

describeNative('native backend: shared words in slabs', function () {
  this.timeout(60_000);
  afterEach(terminateAll);

  it('a native handle carries its slab and the byte offset of its words, a multiple of 16 inside it', () => {
    const [a, b] = neighbours(native.Mutex);
    const { buffer, offset } = a.handle;
    assert.ok(buffer instanceof SharedArrayBuffer);
    assert.ok(buffer.byteLength > META_BYTES, 'one buffer holds several locks');
    assert.equal(typeof offset, 'number');
    assert.equal((offset as number) % META_BYTES, 0);
    assert.ok((offset as number) + META_BYTES <= buffer.byteLength);
    // Locks made one after the other are often used by different threads:
    // their words must not share a cache line (nor a 128-byte pair of lines).
    assert.ok((b.handle.offset as number) - (offset as number) >= 128,
      `consecutive locks' words ${(b.handle.offset as number) - (offset as number)} bytes apart`);
    const clone = structuredClone(a.handle);
    assert.equal(clone.offset, offset);
    assert.equal(native.Mutex.from(clone).handle.id, a.handle.id);
  });

  it('native handle with an offset outside its buffer, not a multiple of 16, or not a number is refused', () => {
    const m = new native.Mutex();
    const h = m.handle;
    const size = (h.buffer as SharedArrayBuffer).byteLength;
    const bad: unknown[] = [
      undefined, null, -META_BYTES, size, size - 4, size + META_BYTES, 2 ** 53, Number.MAX_VALUE, Infinity, -Infinity,
      NaN, 1.5, (h.offset as number) + 4, -0.5, '0', `${h.offset}`, new Number(h.offset), new String('0'), 0n, {},
      [h.offset], { valueOf: () => h.offset }, Symbol('offset'), true,
    ];
    for (const offset of bad) {
      assertInvalid(() => native.Mutex.from({ ...h, offset } as never), /offset/);
    }
    const { offset: _dropped, ...withoutOffset } = h;
    assertInvalid(() => native.Mutex.from(withoutOffset as never), /offset undefined/);
    // The refusals opened nothing: the lock is still the only entry of its id here.
    assert.equal(native.Mutex.from(h).handle.offset, h.offset);
  });

  it('a native handle naming another offset of the right slab finds no lock', () => {
    const [a, b] = neighbours(native.Mutex);
    assertInvalid(() => native.Mutex.from({ ...a.handle, offset: b.handle.offset }), /no live lock/);
    assertInvalid(() => native.Mutex.from({ ...b.handle, offset: a.handle.offset }), /no live lock/);
    assertInvalid(() => native.Mutex.from({ ...a.handle, buffer: new SharedArrayBuffer((a.handle.buffer as SharedArrayBuffer).byteLength) }), /no live lock/);
  });

  it('the offset is read once: a getter that changes its answer, or throws, and a Proxy', () => {
    const m = new native.Mutex();
    const h = m.handle;
    let reads = 0;
    const changing = {
      ...h,
      get offset() {
        reads++;
        return reads === 1 ? h.offset : (h.offset as number) + 4;
      },
    };
    assert.equal(native.Mutex.from(changing as MutexHandle).handle.id, h.id);
    assert.equal(reads, 1);
    assertInvalid(() => native.Mutex.from({ ...h, get offset(): number { throw new Error('no offset'); } }), /reading its fields threw/);
    let proxyReads = 0;
    const proxy = new Proxy({ ...h }, {
      get(target, key, receiver) {
        if (key === 'offset') proxyReads++;
        return Reflect.get(target, key, receiver);
      },
    });
    assert.equal(native.Mutex.from(proxy).handle.id, h.id);
    assert.equal(proxyReads, 1);
    const lying = { ...h, offset: (h.offset as number) + 4096 };
    Object.defineProperty(h.buffer, 'byteLength', { value: 1 << 30, configurable: true });
    try {
      assertInvalid(() => native.Mutex.from(lying), /offset/);
    } finally {
      delete (h.buffer as { byteLength?: number }).byteLength;
    }
  });

  for (const Lock of [native.Mutex, native.RecursiveMutex]) {
    it(`two ${Lock.name} locks in one slab are independent, across threads and through owner death`, async () => {
      const [a, b] = neighbours(Lock as typeof native.Mutex);
      const depth = Lock === native.RecursiveMutex ? 2 : 1;
      const worker = await startWorker({ impl: Lock.name, handle: a.handle, task: 'hold', args: { depth, die: 'return' } });
      const held = await worker.next('held');
      if (depth === 2) assert.equal(held.count, 2);
      assert.equal(a.owner, worker.threadId);
      assert.equal(a.tryAcquire(), false);
      assert.equal(b.locked(), false, 'the neighbour is free');
      assert.equal(b.tryAcquire(), true);
      if (depth === 2) assert.equal((b as unknown as native.RecursiveMutex).count, 1);
      assert.equal(b.abandoned, false);
      b.release();
      worker.post('go');
      await worker.exit();
      // The worker died holding `a`: only `a` is abandoned.
      assert.equal(a.acquire(), true);
      assert.equal(a.abandoned, true);
      if (depth === 2) assert.equal((a as unknown as native.RecursiveMutex).count, 1);
      b.acquire();
      assert.equal(b.abandoned, false);
      b.release();
      a.release();
      assert.equal(a.locked(), false);
    });
  }

  it('a lock kept alive keeps its slab alive after the others are collected, and they are freed', () => {
    const lib = path.join(__dirname, '..', 'lib', 'native.js');
    // A child with --expose-gc: the kept lock is opened in a worker after its
    // slab's other locks were collected and freed.
    const script = `
      const { Worker } = require('node:worker_threads');
      const { Mutex, nativeLockCount } = require(${JSON.stringify(lib)});
      (async () => {
        const settle = async () => { for (let i = 0; i < 4; i++) { gc(); await new Promise((r) => setImmediate(r)); } };
        let m = new Mutex();
        while (m.handle.offset !== 0) m = new Mutex();   // the first lock of a fresh slab
        let second = new Mutex();
        const stride = second.handle.offset;             // bytes from one lock's words to the next
        const size = m.handle.buffer.byteLength / stride; // locks per slab
        const slab = (() => { const all = [m, second]; for (let i = 2; i < size; i++) all.push(new Mutex()); return all; })();
        const sameSlab = size >= 4 && slab.every((x) => x.handle.buffer === m.handle.buffer);
        const kept = slab[size - 3];
        slab.length = 0; m = undefined; second = undefined;
        await settle();
        const base = nativeLockCount();
        const keptOffset = kept.handle.offset;
        kept.acquire();
        const w = new Worker(\`
          const { parentPort, workerData } = require('node:worker_threads');
          const { Mutex } = require(\${JSON.stringify(${JSON.stringify(lib)})});
          const m = Mutex.from(workerData);
          const out = [m.tryAcquire(), m.owner];
          parentPort.once('message', () => { const got = m.acquire({ timeout: 10000 }); out.push(got, m.owner); m.release(); parentPort.postMessage(out); });
          parentPort.postMessage('ready');\`, { eval: true, workerData: kept.handle });
        await new Promise((r) => w.once('message', r));
        kept.release();
        w.postMessage('go');
        const out = await new Promise((r) => w.once('message', r));
        await w.terminate();
        process.stdout.write(JSON.stringify({ sameSlab, size, stride, base, keptOffset, out, words: new Int32Array(kept.handle.buffer, keptOffset, 4)[0] }));
      })();`;
    const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 30_000 }));
    assert.equal(out.sameSlab, true);
    assert.equal(out.base, 1, 'the other collected locks of the slab were freed, the kept one not');
    assert.equal(out.keptOffset, (out.size - 3) * out.stride);
    assert.deepEqual(out.out.slice(0, 2), [false, 0], 'the worker sees the kept lock held by the main thread');
    assert.equal(out.out[2], true);
    assert.notEqual(out.out[3], 0, 'then takes it');
    assert.equal(out.words, -1, 'free again: OWNER is NO_OWNER');
  });
});

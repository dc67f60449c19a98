/**
 * Issue 10: defects found by an adversarial review. One regression test per
 * defect (per class where it applies); each fails on the code of commit
 * 21de697 and passes once the defect is fixed. What each failed with there
 * (every test below failed; Atomics-only and native-only tests say so in
 * their names):
 *
 * 1. from() hands the handle to the constructor through a module-level
 *    variable; the first constructor to run takes it.
 *    (a) subclass making a lock before super(): from() returned a brand-new
 *        lock ("from() returned a different lock: {...id: 2...}, held by this
 *        thread: false") - all four classes.
 *    (b) handle whose `kind` getter makes a lock: "RangeError without a
 *        code: Maximum call stack size exceeded" (the getter re-enters the
 *        adopting constructor forever) - all four classes.
 * 2. Atomics owner death when the dying thread's lock object was collected:
 *    "the lock is still held by the dead thread 1 500 ms after it exited"
 *    (the addon's weak reference to the collected view no longer resolves,
 *    so its cleanup hook skips the lock) - AtomicsMutex, AtomicsRecursiveMutex.
 * 3. AbortSignal whose own removeEventListener throws: the lock is granted,
 *    then settling the waiter throws; "acquireAsync()'s promise did not
 *    settle within 2000 ms of the release (the thread holds the lock: true)"
 *    - all four classes; native: the exception is swallowed by Node-API
 *    (DEP0168 warning); Atomics: also "an exception escaped onto the event
 *    loop: unhandled rejection: Error: removeEventListener of this signal
 *    throws".
 * 4. Atomics async wake-up lost: "the main thread's async waiter got the
 *    free lock 1001 ms after the release (limit 300 ms)", both when the woken
 *    waiter's event loop is busy and when its worker is then terminated.
 * 5. Native garbage locks freed only when the event loop turns: "peak 290001
 *    live native locks (limit 100000), peak RSS 463 MiB (limit 250 MB)".
 * 6. Undocumented errors from the library's own validation, per class
 *    39 cases (40 for Atomics classes) of the table, e.g. "TypeError without
 *    a code: Cannot convert object to primitive value" (backend/kind without
 *    a primitive), "Cannot perform 'get' on a proxy that has been revoked" /
 *    "'getPrototypeOf'" (revoked proxies as handle, options, timeout,
 *    blocking, signal), a throwing getter's own "Error without a code",
 *    "this is not a constructor" (detached from()), "Method get
 *    SharedArrayBuffer.prototype.byteLength called on incompatible receiver"
 *    (fake buffer), Node's "TypeError ERR_INVALID_THIS" for a fake
 *    AbortSignal instead of ERR_INVALID_ARG_TYPE; timeout messages "within x
 *    ms" / "within -1 ms" / TypeError from a second read of options.timeout;
 *    BaseLock.from() / new BaseLock(): "Cannot read properties of undefined
 *    (reading 'name' / 'create')"; os-mutex/native without the addon: "not a
 *    MutexError with code ERR_MUTEX_NATIVE_UNAVAILABLE"; a subclass's from()
 *    of a handle whose backend is Object.create(null): the same uncoded
 *    TypeError.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import {
  BaseLock, MutexError, MutexInvalidHandleError, MutexNotOwnerError, MutexTimeoutError, type MutexHandle,
} from '../lib/index';
import * as native from '../lib/native';
import { REGRESS_IMPLS, regressImpl, type RegressClass, type RegressImpl, type RegressLock } from './fixtures/regress-classes';
import { terminateAll, TestWorker } from './helpers/workers';

const run = promisify(execFile);
const REGRESS_WORKER = path.join(__dirname, 'fixtures', 'regress-worker.js');
const DIST_LIB = path.join(__dirname, '..', 'lib');
const ATOMICS_ONLY = process.env.OS_MUTEX_BACKEND === 'atomics';

function startRegressWorker(impl: string, task: string, handle?: MutexHandle, args?: Record<string, unknown>): TestWorker {
  return new TestWorker({ impl, task, handle, args }, REGRESS_WORKER);
}

/** Whether two handles name the same lock (an Atomics lock's buffer is the same object within one thread). */
function sameLock(a: MutexHandle, b: MutexHandle): boolean {
  if (a.backend !== b.backend || a.kind !== b.kind) return false;
  return a.backend === 'native' ? a.id === b.id && a.tag === b.tag : a.buffer === b.buffer;
}

function show(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return `${value.constructor.name}${code === undefined ? ' without a code' : ` ${String(code)}`}: ${value.message}`;
  }
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Why `error` is not a documented error (a coded TypeError, RangeError or MutexError), or undefined when it is. */
function undocumented(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const documentedClass = error instanceof TypeError || error instanceof RangeError || error instanceof MutexError;
  if (documentedClass && typeof code === 'string' && /^ERR_/.test(code)) return undefined;
  return `undocumented error: ${show(error)}`;
}

/**
 * from() gave the lock `original` names (which this thread holds), or threw
 * a MutexError with a code: anything else fails - above all a different lock.
 */
function assertSameLockOrMutexError(open: () => RegressLock, original: RegressLock): void {
  let opened: RegressLock;
  try {
    opened = open();
  } catch (error) {
    assert.ok(error instanceof MutexError && /^ERR_MUTEX_/.test(error.code),
      `from() threw something other than a coded MutexError: ${show(error)}`);
    return;
  }
  assert.ok(sameLock(opened.handle, original.handle) && opened.isOwned(),
    `from() returned a different lock: ${JSON.stringify({ ...opened.handle, buffer: undefined })}, ` +
    `held by this thread: ${opened.isOwned()} (the original is held by this thread)`);
}

// --- 1 -------------------------------------------------------------------

describe('issue 10.1: from() opens the lock its handle names, whatever constructors run meanwhile', function () {
  this.timeout(5_000);

  for (const impl of REGRESS_IMPLS) {
    const { Lock } = impl;

    it(`${impl.name}: from() of a subclass whose constructor makes another lock before super() gives the same lock, or a coded MutexError`, () => {
      class MakesOneFirst extends Lock {
        constructor() {
          const other = new Lock();
          void other;
          super();
        }
      }
      const m = new Lock();
      m.acquire();
      try {
        assertSameLockOrMutexError(() => MakesOneFirst.from(m.handle), m);
      } finally {
        m.release();
      }
    });

    it(`${impl.name}: from() of a handle whose field getter makes a lock gives the same lock, or a coded MutexError`, () => {
      const m = new Lock();
      const h = m.handle;
      const handle = {
        osMutex: 1, backend: h.backend, id: h.id, tag: h.tag, buffer: h.buffer, offset: h.offset,
        get kind() {
          void new Lock();
          return h.kind;
        },
      } as unknown as MutexHandle;
      m.acquire();
      try {
        assertSameLockOrMutexError(() => Lock.from(handle), m);
      } finally {
        m.release();
      }
      assert.equal(sameLock(new Lock().handle, h), false, 'a later constructor makes a new lock');
    });
  }
});

// --- 2 -------------------------------------------------------------------

describe('issue 10.2: Atomics owner death frees the lock even when the dead thread\'s lock object was collected', function () {
  this.timeout(10_000);
  afterEach(terminateAll);

  for (const impl of REGRESS_IMPLS.filter((candidate) => candidate.backend === 'atomics')) {
    it(`${impl.name} (Atomics backend only): a worker that collected its lock object and exits holding the lock leaves it free and abandoned`, async function () {
      if (ATOMICS_ONLY) {
        this.skip(); // owner death for Atomics locks needs the native addon, which OS_MUTEX_BACKEND=atomics turns off
      }
      assert.ok(native.available, `the native addon did not load: ${native.unavailableReason?.message}`);
      const m = new impl.Lock();
      const worker = startRegressWorker(impl.name, 'abandonCollected', m.handle, { depth: impl.recursive ? 2 : 1 });
      const dropped = await worker.next('dropped', 5_000);
      assert.equal(dropped.collected, true, 'precondition: the worker\'s lock object was collected');
      assert.equal(m.owner, worker.threadId, 'precondition: the worker holds the lock');
      worker.post('exit');
      await worker.exit(5_000);
      // The dying thread cannot Atomics.notify (waiters notice when their
      // wait slice ends), so allow a bounded 500 ms of retries.
      const deadline = performance.now() + 500;
      let acquired = m.tryAcquire();
      while (!acquired && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        acquired = m.tryAcquire();
      }
      assert.ok(acquired, `the lock is still held by the dead thread ${String(m.owner)} 500 ms after it exited`);
      try {
        assert.equal(m.abandoned, true, 'the next holder is told the previous one died holding it');
      } finally {
        m.release();
      }
    });
  }
});

// --- 3 -------------------------------------------------------------------

describe('issue 10.3: an async waiter whose AbortSignal.removeEventListener throws still settles', function () {
  this.timeout(10_000);
  afterEach(terminateAll);

  const SETTLE_MS = 2_000;

  for (const impl of REGRESS_IMPLS) {
    it(`${impl.name}: the waiter granted the lock resolves true holding it, or rejects with the lock free`, async () => {
      // In a worker: on the old code the exception escapes onto the event loop.
      const worker = startRegressWorker(impl.name, 'evilSignal', undefined, { settleMs: SETTLE_MS });
      const outcome = await worker.next('outcome', SETTLE_MS + 5_000);
      const escaped = outcome.escaped as string[];
      const settled = outcome.settled as Record<string, unknown> | null;
      const problems: string[] = [];
      if (escaped.length > 0) problems.push(`an exception escaped onto the event loop: ${escaped.join('; ')}`);
      if (settled === null) {
        problems.push(`acquireAsync()'s promise did not settle within ${SETTLE_MS} ms of the release ` +
          `(the thread holds the lock: ${String(outcome.owned)})`);
      } else if (settled.how === 'resolved') {
        if (settled.value !== true) problems.push(`resolved ${String(settled.value)}, not true`);
        if (outcome.owned !== true) problems.push('resolved true, but the thread does not hold the lock');
      } else {
        // Rejected (or thrown): with a coded error, or with the signal's own
        // error passed on; either way the lock is not held.
        if (!/^ERR_/.test(String(settled.code)) && settled.message !== 'removeEventListener of this signal throws') {
          problems.push(`${String(settled.how)} with an undocumented error: ${String(settled.name)}: ${String(settled.message)}`);
        }
        if (outcome.locked !== false) problems.push(`the waiter ${String(settled.how)}, but the lock is still held`);
      }
      if (problems.length > 0) assert.fail(problems.join('; '));
    });
  }
});

// --- 4 -------------------------------------------------------------------

/**
 * A lock freed while Atomics async waiters are parked in several threads
 * goes to one of them within this bound. The old code needed one waitAsync
 * cap (1 s: 1001 ms measured from the release request) when the woken
 * waiter's thread could not act; the native backend hands over in ~4 ms,
 * and a release that reaches every parked waiter took under 80 ms here,
 * worker start-up included. 300 ms leaves room for a loaded 2-core machine
 * (message delivery to the holder, scheduling) and still fails clearly
 * against a 1 s cap.
 */
const ASYNC_HANDOFF_LIMIT_MS = 300;

describe('issue 10.4: an Atomics release reaches a waiting thread even when the first parked waiter\'s thread cannot act', function () {
  this.timeout(10_000);
  afterEach(terminateAll);

  /**
   * Worker H holds the lock; worker B parks an acquireAsync() first (Atomics
   * wakes parked waiters first in, first out), then blocks its event loop;
   * the main thread (C) parks its acquireAsync() second; H releases (its
   * one notify goes to B, which cannot act on it), and then
   * `afterRelease(B)` runs (nothing, or terminating B). Returns how long
   * after the release request the main thread held the lock.
   */
  async function handoffPastStuckWaiter(afterRelease: (b: TestWorker) => Promise<void>): Promise<number> {
    const m = new (regressImpl('AtomicsMutex').Lock)();
    const stop = new SharedArrayBuffer(4);
    const holder = startRegressWorker('AtomicsMutex', 'hold', m.handle);
    await holder.next('held');
    const busy = startRegressWorker('AtomicsMutex', 'asyncThenBusy', m.handle, { stop, busyMs: 3_000 });
    await busy.next('parked');
    const waiting = m.acquireAsync({ timeout: 5_000 }).then((acquired) => ({ acquired, at: performance.now() }));
    const released = performance.now();
    holder.post('release');
    await holder.next('released');
    await afterRelease(busy);
    const { acquired, at } = await waiting;
    Atomics.store(new Int32Array(stop), 0, 1);
    assert.equal(acquired, true, 'the main thread acquired the lock');
    m.release();
    return at - released;
  }

  it('AtomicsMutex (Atomics backend only): a waiter in another thread gets the lock promptly while the woken waiter\'s event loop is busy', async () => {
    const elapsed = await handoffPastStuckWaiter(async () => {});
    assert.ok(elapsed < ASYNC_HANDOFF_LIMIT_MS,
      `the main thread's async waiter got the free lock ${elapsed.toFixed(0)} ms after the release ` +
      `(limit ${ASYNC_HANDOFF_LIMIT_MS} ms)`);
  });

  it('AtomicsMutex (Atomics backend only): a waiter in another thread gets the lock promptly when the woken waiter\'s worker is terminated', async () => {
    const elapsed = await handoffPastStuckWaiter(async (busy) => {
      await busy.worker.terminate();
    });
    assert.ok(elapsed < ASYNC_HANDOFF_LIMIT_MS,
      `the main thread's async waiter got the free lock ${elapsed.toFixed(0)} ms after the release ` +
      `(limit ${ASYNC_HANDOFF_LIMIT_MS} ms)`);
  });
});

// --- 5 -------------------------------------------------------------------

/**
 * 300,000 native locks made and dropped in one synchronous loop, with a
 * 24 MB heap: V8 collects the lock objects many times during the loop, so
 * once their native locks are freed at collection (not on a later turn of
 * the event loop) the live count stays near what such a heap can hold
 * (tens of thousands of lock objects)
 * and RSS near the baseline. The old code kept all of them: 290,001 live, ~465 MiB RSS.
 * How many are live at once is what the heap holds between two collections,
 * so it depends on the size of a lock object and on the V8 version: the
 * fixed code measured ~20,000 live and ~190 MiB with two Node-API functions
 * per lock (Node-API's bookkeeping for them is freed only by an event-loop
 * turn); with no per-lock functions (smaller lock objects: more of them
 * between collections) ~52,000 live and ~126 MiB on Node 20, and on Node 24
 * ~107,000 live or a heap exhausted by dead locks' words, until the table
 * was also pruned after each collection: ~32,000 and ~110 MiB on Node 20,
 * ~67,000-77,000 and ~177 MiB on Node 24. The bounds (half the locks made,
 * 250 MB) fail clearly against the old code's figures.
 */
const GARBAGE_LOCKS = 300_000;
const PEAK_LIVE_LIMIT = GARBAGE_LOCKS / 2;
const PEAK_RSS_LIMIT = 250 * 1024 * 1024;

describe('issue 10.5: native locks dropped in a synchronous loop are freed without the event loop turning', function () {
  // ~3 s natively; the loop takes ~140 s under qemu (the linux-arm64 leg of
  // test:platforms), so the bounds here are generous rather than a skip.
  this.timeout(300_000);

  it('Mutex (native backend only): 300,000 locks made in one synchronous loop never exceed 150,000 live or 250 MB RSS', async function () {
    if (ATOMICS_ONLY) {
      this.skip(); // OS_MUTEX_BACKEND=atomics turns the native backend off
    }
    const script = `
      const native = require(${JSON.stringify(path.join(DIST_LIB, 'native.js'))});
      if (!native.available) {
        console.log(JSON.stringify({ unavailable: String(native.unavailableReason && native.unavailableReason.message) }));
        process.exit(0);
      }
      const baseline = native.nativeLockCount();
      let peakLive = 0;
      let peakRss = 0;
      for (let i = 0; i < ${GARBAGE_LOCKS}; i++) {
        new native.Mutex();
        if (i % 10000 === 0) {
          peakLive = Math.max(peakLive, native.nativeLockCount() - baseline);
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
        }
      }
      console.log(JSON.stringify({ peakLive, peakRss }));`;
    const env = { ...process.env };
    delete env.OS_MUTEX_BACKEND;
    const { stdout } = await run(process.execPath, ['--max-old-space-size=24', '--expose-gc', '-e', script],
      { env, timeout: 280_000 });
    const seen = JSON.parse(stdout) as { unavailable?: string; peakLive: number; peakRss: number };
    assert.equal(seen.unavailable, undefined, `the native addon did not load in the child: ${seen.unavailable}`);
    const rssMiB = (seen.peakRss / 1048576).toFixed(0);
    assert.ok(seen.peakLive < PEAK_LIVE_LIMIT,
      `peak ${seen.peakLive} live native locks (limit ${PEAK_LIVE_LIMIT}), peak RSS ${rssMiB} MiB`);
    // RSS is compared on Linux only: under Wine it counts Wine's own memory
    // (285 MiB seen with ~19,000 live locks), under qemu it reads 0.
    if (process.platform === 'linux' && seen.peakRss > 0) {
      assert.ok(seen.peakRss < PEAK_RSS_LIMIT, `peak RSS ${rssMiB} MiB (limit 250 MB), ${seen.peakLive} live locks`);
    }
  });
});

// --- 6 -------------------------------------------------------------------

/** A revoked Proxy: every operation on it throws a TypeError. */
function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** An object with no primitive value: String(), template literals and property keys throw on it. */
const NO_PRIMITIVES: ReadonlyArray<[string, () => unknown]> = [
  ['Object.create(null)', () => Object.create(null)],
  ['an object whose toString and valueOf return objects', () => ({ toString: () => ({}), valueOf: () => ({}) })],
];

/** What a changing `timeout` getter gives after its first read. */
const LATER_TIMEOUTS: ReadonlyArray<[string, () => unknown]> = [
  ["'x'", () => 'x'],
  ['-1', () => -1],
  ['Object.create(null)', () => Object.create(null)],
];

/** A copy of `base` whose `field` getter returns `first` on the first read and `later()` on every later one. */
function changingOptions(field: string, first: unknown, later: () => unknown, base: object = {}): object {
  let reads = 0;
  return Object.defineProperty({ ...base }, field, { enumerable: true, get: () => (reads++ === 0 ? first : later()) });
}

function throwingGetter(field: string, base: object = {}): object {
  return Object.defineProperty({ ...base }, field, {
    enumerable: true,
    get() {
      throw new Error(`the ${field} getter throws`);
    },
  });
}

type Method = 'acquire' | 'lock' | 'withLock' | 'acquireAsync' | 'lockAsync' | 'withLockAsync';
const SYNC_METHODS: readonly Method[] = ['acquire', 'lock', 'withLock'];
const ASYNC_METHODS: readonly Method[] = ['acquireAsync', 'lockAsync', 'withLockAsync'];

/** Calls `method` with `options` on a free lock; releases whatever it acquired. */
async function callWithOptions(lock: RegressLock, method: Method, options: unknown): Promise<unknown> {
  const o = options as never;
  switch (method) {
    case 'acquire': {
      const acquired = lock.acquire(o);
      if (acquired) lock.release();
      return acquired;
    }
    case 'lock': lock.lock(o).release(); return 'guard';
    case 'withLock': return lock.withLock(() => 'ran', o);
    case 'acquireAsync': {
      const acquired = await lock.acquireAsync(o);
      if (acquired) lock.release();
      return acquired;
    }
    case 'lockAsync': (await lock.lockAsync(o)).release(); return 'guard';
    case 'withLockAsync': return lock.withLockAsync(async () => 'ran', o);
  }
}

interface BadInputCase {
  readonly what: string;
  /** Runs the call; its result when it does not throw (sync or async). */
  readonly call: () => unknown;
  /** May the call succeed (a value that is not an error)? Default: no, it must throw a documented error. */
  readonly mayReturn?: boolean;
  /** A stricter check of the error: a reason it is wrong, or undefined. */
  readonly check?: (error: unknown) => string | undefined;
  /** With mayReturn, a check of the value returned: a reason it is wrong, or undefined. */
  readonly checkValue?: (value: unknown) => string | undefined;
}

/** Runs every case; returns one line per case that gave an undocumented error, no error, or left the lock held. */
async function failuresOf(cases: readonly BadInputCase[], lock: RegressLock): Promise<string[]> {
  const failures: string[] = [];
  for (const c of cases) {
    let outcome: { error: unknown } | { value: unknown };
    try {
      outcome = { value: await c.call() };
    } catch (error) {
      outcome = { error };
    }
    if ('error' in outcome) {
      const wrong = undocumented(outcome.error) ?? c.check?.(outcome.error);
      if (wrong !== undefined) failures.push(`${c.what}: ${wrong}`);
    } else if (!c.mayReturn) {
      failures.push(`${c.what}: returned ${show(outcome.value)} instead of throwing`);
    } else {
      const wrong = c.checkValue?.(outcome.value);
      if (wrong !== undefined) failures.push(`${c.what}: ${wrong}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
    if (lock.locked()) {
      failures.push(`${c.what}: the lock was left held (owner ${String(lock.owner)})`);
      while (lock.isOwned()) lock.release();
    }
  }
  return failures;
}

function isInvalidHandle(error: unknown): string | undefined {
  return error instanceof MutexInvalidHandleError ? undefined : `not a MutexInvalidHandleError: ${show(error)}`;
}

function isInvalidArgType(error: unknown): string | undefined {
  return error instanceof TypeError && (error as { code?: unknown }).code === 'ERR_INVALID_ARG_TYPE'
    ? undefined : `not a TypeError ERR_INVALID_ARG_TYPE: ${show(error)}`;
}

/** The table for one class. */
function badInputCases(impl: RegressImpl, lock: RegressLock): BadInputCase[] {
  const { Lock } = impl;
  const h = lock.handle;
  const plain = { osMutex: 1, backend: h.backend, kind: h.kind, id: h.id, tag: h.tag, buffer: h.buffer, offset: h.offset };
  const from = (handle: unknown) => () => Lock.from(handle as MutexHandle);
  const cases: BadInputCase[] = [];

  for (const [name, make] of NO_PRIMITIVES) {
    cases.push({ what: `from() of a handle whose backend is ${name}`, call: () => from({ ...plain, backend: make() })() });
    cases.push({ what: `from() of a handle whose kind is ${name}`, call: () => from({ ...plain, kind: make() })() });
  }
  cases.push({ what: 'from() of a revoked Proxy', call: () => from(revoked())() });
  for (const field of ['osMutex', 'backend', 'kind']) {
    cases.push({ what: `from() of a handle whose ${field} getter throws`, call: () => from(throwingGetter(field, plain))() });
  }
  cases.push({
    what: 'from() of a handle whose kind getter gives the right kind first, Object.create(null) later',
    call: () => {
      const handle = changingOptions('kind', h.kind, () => Object.create(null), plain);
      return Lock.from(handle as MutexHandle).handle;
    },
    mayReturn: true,
    checkValue: (opened) => (sameLock(opened as MutexHandle, h) ? undefined : 'returned a different lock'),
  });
  if (impl.backend === 'atomics') {
    cases.push({
      what: 'from() of an Atomics handle whose buffer is Object.create(SharedArrayBuffer.prototype)',
      call: from({ osMutex: 1, backend: 'atomics', kind: h.kind, buffer: Object.create(SharedArrayBuffer.prototype) }),
      check: isInvalidHandle,
    });
  }
  cases.push({
    what: 'a detached static from() (const { from } = Class)',
    call: () => {
      const { from: detached } = Lock;
      return (detached as (handle: MutexHandle) => unknown)(h);
    },
  });
  cases.push({
    what: 'new Class() right after a detached from() (the handle must not linger)',
    call: () => {
      try {
        const { from: detached } = Lock;
        (detached as (handle: MutexHandle) => unknown)(h);
      } catch {
        // the previous case judges this error
      }
      return new Lock().handle;
    },
    mayReturn: true,
    checkValue: (made) => (sameLock(made as MutexHandle, h) ? 'new Class() opened the handle of the failed from()' : undefined),
  });

  for (const method of [...SYNC_METHODS, ...ASYNC_METHODS]) {
    cases.push({ what: `${method}(a revoked Proxy)`, call: () => callWithOptions(lock, method, revoked()) });
    cases.push({ what: `${method}({ timeout: a revoked Proxy })`, call: () => callWithOptions(lock, method, { timeout: revoked() }) });
    cases.push({ what: `${method}(options whose timeout getter throws)`, call: () => callWithOptions(lock, method, throwingGetter('timeout')) });
    for (const [laterName, later] of LATER_TIMEOUTS) {
      cases.push({
        what: `${method}(options whose timeout getter gives 10, then ${laterName})`,
        call: () => callWithOptions(lock, method, changingOptions('timeout', 10, later)),
        mayReturn: true,
      });
    }
  }
  for (const method of SYNC_METHODS) {
    cases.push({ what: `${method}({ blocking: a revoked Proxy })`, call: () => callWithOptions(lock, method, { blocking: revoked() }) });
  }
  for (const method of ASYNC_METHODS) {
    cases.push({ what: `${method}({ signal: a revoked Proxy })`, call: () => callWithOptions(lock, method, { signal: revoked() }) });
    cases.push({ what: `${method}(options whose signal getter throws)`, call: () => callWithOptions(lock, method, throwingGetter('signal')) });
    cases.push({
      what: `${method}({ signal: Object.create(AbortSignal.prototype) })`,
      call: () => callWithOptions(lock, method, { signal: Object.create(AbortSignal.prototype) }),
      check: isInvalidArgType,
    });
  }
  return cases;
}

describe('issue 10.6: the library\'s own validation throws only documented, coded errors and leaves no lock held', function () {
  this.timeout(10_000);
  afterEach(terminateAll);

  for (const impl of REGRESS_IMPLS) {
    it(`${impl.name}: bad handles and options (revoked proxies, objects without primitives, throwing or changing getters, fake SharedArrayBuffer / AbortSignal, detached from()) give coded errors`, async () => {
      const lock = new impl.Lock();
      const failures = await failuresOf(badInputCases(impl, lock), lock);
      if (failures.length > 0) assert.fail(`${failures.length} case(s) failed:\n  ${failures.join('\n  ')}`);
    });

    it(`${impl.name}: lock() held elsewhere reads options.timeout once: its MutexTimeoutError says "within 20 ms" whatever later reads give`, async () => {
      const lock = new impl.Lock();
      const holder = startRegressWorker(impl.name, 'hold', lock.handle);
      await holder.next('held');
      const failures: string[] = [];
      for (const [laterName, later] of LATER_TIMEOUTS) {
        const calls: ReadonlyArray<[string, (options: object) => unknown]> = [
          ['lock', (options) => lock.lock(options)],
          ['withLock', (options) => lock.withLock(() => 0, options)],
          ['lockAsync', (options) => lock.lockAsync(options)],
          ['withLockAsync', (options) => lock.withLockAsync(async () => 0, options)],
        ];
        for (const [name, call] of calls) {
          const what = `${name}(options whose timeout getter gives 20, then ${laterName})`;
          try {
            await call(changingOptions('timeout', 20, later));
            failures.push(`${what}: acquired a lock another thread holds`);
          } catch (error) {
            if (!(error instanceof MutexTimeoutError)) failures.push(`${what}: not a MutexTimeoutError: ${show(error)}`);
            else if (!/within 20 ms/.test(error.message)) failures.push(`${what}: the message says "${error.message}"`);
          }
        }
      }
      holder.post('release');
      await holder.next('released');
      if (failures.length > 0) assert.fail(`${failures.length} case(s) failed:\n  ${failures.join('\n  ')}`);
      assert.equal(lock.locked(), false);
    });

    it(`${impl.name}: a subclass without a constructor opens handles with from() and throws the documented errors`, () => {
      class Sub extends impl.Lock {}
      const m = new impl.Lock();
      m.acquire();
      const opened = Sub.from(m.handle);
      assert.ok(opened instanceof Sub, 'from() on a subclass gives an instance of it');
      assert.ok(sameLock(opened.handle, m.handle) && opened.isOwned(), 'from() on a subclass gives the same lock');
      m.release();
      assert.throws(() => Sub.from({ osMutex: 1 } as unknown as MutexHandle), MutexInvalidHandleError);
      assert.throws(() => new Sub().release(), MutexNotOwnerError);
      let wrong: string | undefined = 'returned a lock';
      try {
        Sub.from({ ...m.handle, backend: Object.create(null) });
      } catch (error) {
        wrong = undocumented(error);
      }
      if (wrong !== undefined) assert.fail(`from() of a handle whose backend is Object.create(null): ${wrong}`);
    });
  }

  it('BaseLock.from(handle) and new BaseLock() throw coded errors', () => {
    const h = new (REGRESS_IMPLS[0].Lock)().handle;
    const Base = BaseLock as unknown as RegressClass;
    const failures: string[] = [];
    for (const [what, call] of [['BaseLock.from(handle)', () => Base.from(h)], ['new BaseLock()', () => new Base()]] as const) {
      try {
        call();
        failures.push(`${what}: returned a lock`);
      } catch (error) {
        const wrong = undocumented(error);
        if (wrong !== undefined) failures.push(`${what}: ${wrong}`);
      }
    }
    if (failures.length > 0) assert.fail(failures.join('\n'));
  });

  it('os-mutex/native without the addon (OS_MUTEX_BACKEND=atomics): its classes throw a MutexError whose code starts ERR_MUTEX_', async () => {
    const script = `
      const native = require(${JSON.stringify(path.join(DIST_LIB, 'native.js'))});
      const { MutexError } = require(${JSON.stringify(path.join(DIST_LIB, 'index.js'))});
      const calls = {
        'new Mutex()': () => new native.Mutex(),
        'new RecursiveMutex()': () => new native.RecursiveMutex(),
        'Mutex.from(a native handle)': () => native.Mutex.from({ osMutex: 1, backend: 'native', kind: 'mutex', id: 1, tag: 1 }),
        'RecursiveMutex.from(a native handle)':
          () => native.RecursiveMutex.from({ osMutex: 1, backend: 'native', kind: 'recursive', id: 1, tag: 1 }),
      };
      const seen = {};
      for (const [what, call] of Object.entries(calls)) {
        try {
          call();
          seen[what] = 'no error';
        } catch (error) {
          seen[what] = {
            mutexError: error instanceof MutexError, code: error && error.code, message: String(error && error.message),
          };
        }
      }
      console.log(JSON.stringify({ available: native.available, seen }));`;
    const { stdout } = await run(process.execPath, ['-e', script],
      { env: { ...process.env, OS_MUTEX_BACKEND: 'atomics' }, timeout: 10_000 });
    const { available, seen } = JSON.parse(stdout) as { available: boolean; seen: Record<string, unknown> };
    assert.equal(available, false, 'precondition: OS_MUTEX_BACKEND=atomics turns the native backend off');
    const failures = Object.entries(seen).flatMap(([what, result]) => {
      const r = result as { mutexError?: boolean; code?: unknown; message?: string } | string;
      if (typeof r === 'string') return [`${what}: ${r}`];
      if (r.mutexError && typeof r.code === 'string' && r.code.startsWith('ERR_MUTEX_')) return [];
      return [`${what}: ${r.mutexError ? 'a MutexError' : 'not a MutexError'} with code ${String(r.code)}: ${r.message}`];
    });
    if (failures.length > 0) assert.fail(failures.join('\n'));
  });
});

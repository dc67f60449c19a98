/**
 * Condition: Python's `threading.Condition`, shared by handle across worker
 * threads, over a lock of any backend. Written once: it needs of the backend
 * only a lock (`BaseLock`) and shared memory, so every backend gets it.
 *
 * How it works. The condition is a SharedArrayBuffer of waiter slots
 * (`contract/layout.ts`, COND_*). wait() takes a free slot (WAITING, with a
 * ticket that orders waiters), releases the lock fully, parks on the slot's
 * STATE word (Atomics.wait in slices, so `worker.terminate()` is honoured;
 * Atomics.waitAsync for waitAsync()), and re-acquires the lock. notify(n),
 * called holding the lock, moves the n oldest WAITING slots to NOTIFIED and
 * wakes exactly those waiters: as in CPython, a notify wakes at most n of
 * the threads waiting at that moment, oldest first, and there are no
 * spurious wake-ups. A waiter decides what happened only once it holds the
 * lock again, so a notify and a timeout cannot both count.
 *
 * Owner death: where the native addon is loaded, the slots of a thread that
 * dies waiting are freed by its cleanup hook (a NOTIFIED one passes its
 * notification to the oldest waiter, which sees it within a wait slice), and
 * COND_DEATHS counts them.
 * @module
 */
import { inspect } from 'node:util';

import { describeValue, isSharedArrayBuffer, readHandle, type MutexHandle } from '../contract/handle';
import {
  COND_CAPACITY_AT, COND_DEATHS, COND_FREE, COND_MAGIC, COND_MAGIC_AT, COND_NOTIFIED, COND_SEQ, COND_SLOT_OWNER,
  COND_SLOT_STATE, COND_SLOT_TICKET, COND_SLOT_WORDS, COND_SLOTS_AT, COND_WAITERS, COND_WAITING,
} from '../contract/layout';
import { SELF as OWNER_SELF } from '../contract/owner';
import { watchLock } from '../services/owner-death';
import { invalidArgType, invalidArgValue, invalidThis, outOfRange } from './arg-errors';
import { Adoptions } from './adoption';
import { addPending, removePending } from './async-queue';
import { MutexInvalidHandleError, MutexNotOwnerError, MutexWaitersLimitError } from './errors';
import type { MutexGuard } from './guard';
import { BaseLock } from './lock';
import { defaultLockClass, lockClassFor } from './lock-class';
import {
  offAbort, onAbort, parseAsyncOptions, signalAborted, signalReason, type AcquireOptions, type AsyncAcquireOptions,
} from './options';

/** The calling thread and 'nobody', as module constants (see contract/owner.ts). */
const SELF = OWNER_SELF;

/** A condition's handle: plain, cloneable data; `Condition.from(handle)` in another thread. */
export interface ConditionHandle {
  readonly osMutex: 1;
  readonly type: 'condition';
  /** The handle of the condition's lock. */
  readonly lock: MutexHandle;
  /** The waiter slots. */
  readonly buffer: SharedArrayBuffer;
}

/** Options of `new Condition()`. */
export interface ConditionOptions {
  /** Most threads that can wait at once (slots in the shared buffer). Default 256. */
  maxWaiters?: number;
}

/** A blocking wait returns to JavaScript this often (ms): terminate() of a waiting worker stays prompt. */
const WAIT_SLICE_MS = 50;
/**
 * Longest single Atomics.waitAsync (ms). notify() wakes an async waiter at
 * once; this bounds only how long a notification passed on by owner death
 * (which cannot Atomics.notify) goes unseen.
 */
const ASYNC_SLICE_MS = 1000;
const DEFAULT_MAX_WAITERS = 256;
/** Slots are int32 words; this keeps a buffer under 12 MiB. */
const MAX_WAITERS_LIMIT = 1 << 20;
const MAX_TIMER_MS = 0x7fffffff;

/** A timeout argument: undefined or Infinity = forever; else ms >= 0. */
function parseTimeout(timeout: unknown, name = 'timeout'): number {
  if (timeout === undefined) return Infinity;
  if (typeof timeout !== 'number') throw invalidArgType(name, 'of type number', timeout);
  if (Number.isNaN(timeout) || timeout < 0) throw outOfRange(name, '>= 0 (milliseconds) or Infinity', timeout);
  return timeout;
}

function readMaxWaiters(options: unknown): number {
  if (options === undefined) return DEFAULT_MAX_WAITERS;
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  let maxWaiters: unknown;
  try {
    maxWaiters = (options as ConditionOptions).maxWaiters;
  } catch (cause) {
    throw invalidArgValue('options', 'could not be read (a getter or Proxy threw)', cause);
  }
  if (maxWaiters === undefined) return DEFAULT_MAX_WAITERS;
  if (typeof maxWaiters !== 'number') throw invalidArgType('options.maxWaiters', 'of type number', maxWaiters);
  if (!Number.isInteger(maxWaiters) || maxWaiters < 1 || maxWaiters > MAX_WAITERS_LIMIT) {
    throw outOfRange('options.maxWaiters', `an integer from 1 to ${MAX_WAITERS_LIMIT}`, maxWaiters);
  }
  return maxWaiters;
}

function isLock(value: unknown): value is BaseLock {
  return value instanceof BaseLock;
}

/** The opened lock and buffer, from from() to the constructor (see adoption.ts). */
const adoptions = new Adoptions<{ readonly lock: BaseLock; readonly buffer: SharedArrayBuffer }>();

/** Python's `threading.Condition`, across worker threads. */
export class Condition {
  readonly #lock: BaseLock;
  readonly #words: Int32Array;
  readonly #capacity: number;
  readonly #handle: ConditionHandle;

  /**
   * A new condition over `lock` (default: a new `RecursiveMutex`, as
   * Python's default is an RLock). Never blocks.
   * @throws TypeError (`ERR_INVALID_ARG_TYPE`) when `lock` is not a lock of
   *   this library; RangeError for a bad `maxWaiters`.
   */
  constructor(lock?: BaseLock, options?: ConditionOptions) {
    const parts = adoptions.take(new.target);
    if (parts !== undefined) {
      this.#lock = parts.lock;
      this.#words = new Int32Array(parts.buffer);
      this.#capacity = Atomics.load(this.#words, COND_CAPACITY_AT);
      this.#handle = Object.freeze({ osMutex: 1, type: 'condition', lock: parts.lock.handle, buffer: parts.buffer });
      watchLock(this.#words);
      return;
    }
    const capacity = readMaxWaiters(options);
    if (lock === undefined) {
      const Recursive = defaultLockClass('recursive');
      if (Recursive === undefined) {
        throw invalidArgValue('lock', "is required when os-mutex's main entry is not loaded");
      }
      lock = new Recursive() as BaseLock;
    } else if (!isLock(lock)) {
      throw invalidArgType('lock', 'a Mutex, RecursiveMutex or one of their Atomics twins', lock);
    } else if (lock.backend === 'named') {
      // Its waiter slots are in a SharedArrayBuffer, which no other process
      // can reach: a notify could never reach a waiter in another process.
      throw invalidArgValue('lock', 'is a named lock: a Condition is shared by the threads of one process, ' +
        'and a named lock by processes; use a Mutex or RecursiveMutex');
    }
    const buffer = new SharedArrayBuffer((COND_SLOTS_AT + capacity * COND_SLOT_WORDS) * 4);
    const words = new Int32Array(buffer);
    words[COND_CAPACITY_AT] = capacity;
    words[COND_MAGIC_AT] = COND_MAGIC;
    this.#lock = lock;
    this.#words = words;
    this.#capacity = capacity;
    this.#handle = Object.freeze({ osMutex: 1, type: 'condition', lock: lock.handle, buffer });
    watchLock(words);
  }

  /**
   * The condition a handle names, with its lock: the very same condition
   * (in any thread). Reads each field of `handle` once. Never blocks.
   * @throws MutexInvalidHandleError for anything that is not a condition's handle.
   */
  static from<T extends Condition>(this: new () => T, handle: ConditionHandle): T {
    if (!isConditionClass(this)) {
      throw invalidThis('from() must be called on Condition or a subclass, as in Condition.from(handle)');
    }
    const { lock: lockHandle, buffer } = readConditionHandle(handle);
    const fields = readHandle(lockHandle);
    const Lock = lockClassFor(fields.backend, fields.kind) as { from(h: unknown): BaseLock } | undefined;
    if (Lock === undefined) {
      throw new MutexInvalidHandleError('condition handle whose lock is of an unknown backend or kind');
    }
    const condition = adoptions.offer(this, { lock: Lock.from(lockHandle), buffer }, () => new this());
    if (!(#words in condition) || condition.#words.buffer !== buffer) {
      throw new MutexInvalidHandleError(
        'Condition.from(): the subclass constructor did not make the returned object the opened condition');
    }
    return condition;
  }

  /** Plain data naming this condition and its lock. */
  get handle(): ConditionHandle {
    return this.#handle;
  }

  /** The lock this condition is over. */
  get lock(): BaseLock {
    return this.#lock;
  }

  /** Acquires the condition's lock, as its `acquire()`. */
  acquire(options?: AcquireOptions): boolean {
    return this.#lock.acquire(options);
  }

  /** Releases the condition's lock, as its `release()`. */
  release(): void {
    this.#lock.release();
  }

  /** The condition's lock's guard, as its `lock()`: `using g = cond.lockGuard()`. */
  lockGuard(options?: AcquireOptions): MutexGuard {
    return this.#lock.lock(options);
  }

  /** Runs `fn` holding the condition's lock, as its `withLock()`. */
  withLock<R>(fn: () => R, options?: AcquireOptions): R {
    return this.#lock.withLock(fn, options);
  }

  /** Runs `fn` holding the condition's lock, as its `withLockAsync()`. */
  withLockAsync<R>(fn: () => R | PromiseLike<R>, options?: AsyncAcquireOptions): Promise<R> {
    return this.#lock.withLockAsync(fn, options);
  }

  /**
   * Releases the lock (fully, if recursive), BLOCKS until notified or
   * `timeout` ms pass, then re-acquires the lock (blocking, as Python does)
   * and restores its count.
   * @returns false when the timeout passed without a notification, else true.
   * @throws MutexNotOwnerError unless the calling thread holds the lock.
   * @throws MutexWaitersLimitError when `maxWaiters` threads already wait.
   * @throws TypeError / RangeError for a bad timeout.
   */
  wait(timeout?: number): boolean {
    const ms = parseTimeout(timeout);
    const slot = this.#enter();
    const saved = BaseLock.releaseAllHolds(this.#lock);
    try {
      const state = this.#stateIndex(slot);
      const words = this.#words;
      const deadline = performance.now() + ms;
      for (;;) {
        if (Atomics.load(words, state) !== COND_WAITING) break;
        const remaining = deadline - performance.now();
        if (remaining <= 0) break;
        Atomics.wait(words, state, COND_WAITING, remaining < WAIT_SLICE_MS ? remaining : WAIT_SLICE_MS);
      }
    } finally {
      try {
        this.#lock.acquire();
      } catch (error) {
        // Re-acquiring can fail only with MutexDeadlockError (a wait cycle
        // through this lock): give the slot up, and a notification it got
        // to the next waiter, so that no notify is spent on it later.
        this.#abandonSlot(slot);
        throw error; // eslint-disable-line no-unsafe-finally
      }
      BaseLock.restoreHolds(this.#lock, saved);
    }
    return this.#leave(slot);
  }

  /**
   * Waits until `predicate()` is truthy, as Python's `wait_for`: checks it
   * first, then after each wake-up, all while holding the lock. BLOCKS.
   * @returns the predicate's last value (falsy when the timeout passed).
   * @throws as wait(); whatever `predicate` throws.
   */
  waitFor<T>(predicate: () => T, timeout?: number): T {
    if (typeof predicate !== 'function') throw invalidArgType('predicate', 'of type function', predicate);
    const ms = parseTimeout(timeout);
    const deadline = performance.now() + ms;
    let result = predicate();
    while (!result) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) break;
      this.wait(remaining === Infinity ? undefined : remaining);
      result = predicate();
    }
    return result;
  }

  /**
   * wait() without blocking the event loop: the lock is released while
   * waiting and re-acquired with `acquireAsync()`; the promise settles
   * holding it (also on timeout and abort). Keeps the event loop alive.
   * @returns a promise of false when the timeout passed without a
   *   notification, else true; rejects with `signal.reason` on abort (the
   *   lock re-acquired first).
   * @throws MutexNotOwnerError, MutexWaitersLimitError, TypeError, RangeError
   *   (synchronously) as wait().
   */
  waitAsync(options?: AsyncAcquireOptions): Promise<boolean> {
    const { timeout, signal } = parseAsyncOptions(options);
    if (signal !== undefined && signalAborted(signal)) return Promise.reject(signalReason(signal));
    const slot = this.#enter();
    const saved = BaseLock.releaseAllHolds(this.#lock);
    return this.#parkAsync(slot, timeout, signal).then(async (aborted) => {
      await this.#lock.acquireAsync();
      BaseLock.restoreHolds(this.#lock, saved);
      const notified = this.#leave(slot);
      if (aborted && !notified) throw signalReason(signal!);
      return notified;
    });
  }

  /**
   * waitFor() without blocking the event loop.
   * @returns a promise of the predicate's last value.
   */
  async waitForAsync<T>(predicate: () => T, options?: AsyncAcquireOptions): Promise<T> {
    if (typeof predicate !== 'function') throw invalidArgType('predicate', 'of type function', predicate);
    const { timeout, signal } = parseAsyncOptions(options);
    const deadline = performance.now() + timeout;
    let result = predicate();
    while (!result) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) break;
      await this.waitAsync(remaining === Infinity ? { signal } : { timeout: remaining, signal });
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiting threads (default 1), the longest-waiting first.
   * Never blocks. The woken return from wait() once they re-acquire the lock.
   * @throws MutexNotOwnerError unless the calling thread holds the lock.
   * @throws TypeError / RangeError unless `n` is an integer >= 0 (or Infinity).
   */
  notify(n = 1): void {
    if (typeof n !== 'number') throw invalidArgType('n', 'of type number', n);
    if (!(n >= 0) || (n !== Infinity && !Number.isInteger(n))) {
      throw outOfRange('n', 'an integer >= 0, or Infinity', n);
    }
    if (!this.#lock.isOwned()) throw new MutexNotOwnerError('cannot notify on un-acquired lock');
    const words = this.#words;
    let left = n;
    while (left > 0 && Atomics.load(words, COND_WAITERS) > 0) {
      const oldest = this.#oldestWaiting();
      if (oldest < 0) return;
      const state = this.#stateIndex(oldest);
      if (Atomics.compareExchange(words, state, COND_WAITING, COND_NOTIFIED) === COND_WAITING) {
        Atomics.notify(words, state);
        left--;
      }
    }
  }

  /** Wakes every waiting thread. Never blocks. @throws MutexNotOwnerError unless the caller holds the lock. */
  notifyAll(): void {
    this.notify(Infinity);
  }

  /** How many threads wait now (a snapshot). Never blocks. @internal */
  get waiting(): number {
    return Atomics.load(this.#words, COND_WAITERS);
  }

  /** How many waiters died waiting, over the condition's life (a snapshot). Never blocks. @internal */
  get deaths(): number {
    return Atomics.load(this.#words, COND_DEATHS);
  }

  /** The shared words, for primitives built on this condition (COND_USER*). @internal */
  get words(): Int32Array {
    return this.#words;
  }

  [inspect.custom](): string {
    return `Condition { waiting: ${this.waiting}, lock: ${inspect(this.#lock)} }`;
  }

  /** Takes a free slot for the calling thread; the caller must hold the lock. */
  #enter(): number {
    if (!this.#lock.isOwned()) throw new MutexNotOwnerError('cannot wait on un-acquired lock');
    const words = this.#words;
    for (let slot = 0; slot < this.#capacity; slot++) {
      const base = COND_SLOTS_AT + slot * COND_SLOT_WORDS;
      if (Atomics.load(words, base + COND_SLOT_STATE) !== COND_FREE) continue;
      // Owner and ticket first: owner death reads them once STATE says WAITING.
      Atomics.store(words, base + COND_SLOT_OWNER, SELF);
      Atomics.store(words, base + COND_SLOT_TICKET, Atomics.add(words, COND_SEQ, 1) + 1);
      if (Atomics.compareExchange(words, base + COND_SLOT_STATE, COND_FREE, COND_WAITING) !== COND_FREE) continue;
      Atomics.add(words, COND_WAITERS, 1);
      return slot;
    }
    throw new MutexWaitersLimitError(
      `Condition: ${this.#capacity} threads already wait on it (its maxWaiters); make it with a larger one`);
  }

  /** Frees the caller's slot (holding the lock again); true when it was notified. */
  #leave(slot: number): boolean {
    const words = this.#words;
    const state = this.#stateIndex(slot);
    const was = Atomics.exchange(words, state, COND_FREE);
    if (was !== COND_FREE) Atomics.sub(words, COND_WAITERS, 1);
    return was === COND_NOTIFIED;
  }

  /**
   * Frees the caller's slot without holding the lock (its re-acquisition
   * failed); a notification the slot had received passes to the oldest
   * waiter, as owner death does. Never blocks.
   */
  #abandonSlot(slot: number): void {
    const words = this.#words;
    const was = Atomics.exchange(words, this.#stateIndex(slot), COND_FREE);
    if (was === COND_FREE) return;
    Atomics.sub(words, COND_WAITERS, 1);
    if (was !== COND_NOTIFIED) return;
    for (;;) {
      const oldest = this.#oldestWaiting();
      if (oldest < 0) return;
      const state = this.#stateIndex(oldest);
      if (Atomics.compareExchange(words, state, COND_WAITING, COND_NOTIFIED) === COND_WAITING) {
        Atomics.notify(words, state);
        return;
      }
    }
  }

  /** The WAITING slot with the smallest ticket, or -1. Never blocks. */
  #oldestWaiting(): number {
    const words = this.#words;
    let oldest = -1;
    let oldestTicket = 0;
    for (let slot = 0; slot < this.#capacity; slot++) {
      const base = COND_SLOTS_AT + slot * COND_SLOT_WORDS;
      if (Atomics.load(words, base + COND_SLOT_STATE) !== COND_WAITING) continue;
      const ticket = Atomics.load(words, base + COND_SLOT_TICKET);
      if (oldest < 0 || ticket - oldestTicket < 0) {
        oldest = slot;
        oldestTicket = ticket;
      }
    }
    return oldest;
  }

  #stateIndex(slot: number): number {
    return COND_SLOTS_AT + slot * COND_SLOT_WORDS + COND_SLOT_STATE;
  }

  /** Resolves once the slot is no longer WAITING, the timeout passed, or the signal aborted (true). */
  #parkAsync(slot: number, timeout: number, signal: AbortSignal | undefined): Promise<boolean> {
    const words = this.#words;
    const state = this.#stateIndex(slot);
    const deadline = performance.now() + timeout;
    addPending();
    return new Promise<boolean>((resolve) => {
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (aborted: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (signal !== undefined) offAbort(signal, abort);
        removePending();
        resolve(aborted);
      };
      const abort = (): void => finish(true);
      if (signal !== undefined) onAbort(signal, abort);
      if (timeout !== Infinity) timer = setTimeout(() => finish(false), Math.min(Math.ceil(timeout), MAX_TIMER_MS));
      const park = (): void => {
        if (done) return;
        if (Atomics.load(words, state) !== COND_WAITING || deadline - performance.now() <= 0) {
          finish(false);
          return;
        }
        const result = Atomics.waitAsync(words, state, COND_WAITING, ASYNC_SLICE_MS);
        if (result.async) void result.value.then(park);
        else setImmediate(park);
      };
      park();
    });
  }
}

/** Whether `cls` is Condition or a subclass (a Proxy whose traps throw is not). */
function isConditionClass(cls: unknown): boolean {
  if (typeof cls !== 'function') return false;
  try {
    return cls === Condition || (cls as { prototype: unknown }).prototype instanceof Condition;
  } catch {
    return false;
  }
}

/** Reads a condition handle's fields once. */
function readConditionHandle(handle: unknown): { type: unknown; lock: unknown; buffer: SharedArrayBuffer } {
  if (handle === null || typeof handle !== 'object') {
    throw new MutexInvalidHandleError(`not a condition handle: ${describeValue(handle)}`);
  }
  let fields: { osMutex: unknown; type: unknown; lock: unknown; buffer: unknown };
  try {
    const h = handle as Record<string, unknown>;
    fields = { osMutex: h.osMutex, type: h.type, lock: h.lock, buffer: h.buffer };
  } catch (cause) {
    throw new MutexInvalidHandleError('not a condition handle: reading its fields threw', { cause });
  }
  if (fields.osMutex !== 1 || fields.type !== 'condition') {
    throw new MutexInvalidHandleError(`not a condition handle: ${describeValue(handle)}`);
  }
  const { buffer } = fields;
  if (!isSharedArrayBuffer(buffer) || buffer.byteLength < (COND_SLOTS_AT + COND_SLOT_WORDS) * 4 ||
      buffer.byteLength % 4 !== 0) {
    throw new MutexInvalidHandleError('condition handle without the SharedArrayBuffer of a condition');
  }
  const words = new Int32Array(buffer);
  const capacity = Atomics.load(words, COND_CAPACITY_AT);
  if (Atomics.load(words, COND_MAGIC_AT) !== COND_MAGIC ||
      words.length !== COND_SLOTS_AT + capacity * COND_SLOT_WORDS) {
    throw new MutexInvalidHandleError('condition handle whose buffer is not a condition');
  }
  return { type: fields.type, lock: fields.lock, buffer };
}

/**
 * ReadWriteLock: shared (read) and exclusive (write) modes, shared by handle
 * across worker threads. Python has none; the model is Rust's
 * `std::sync::RwLock` / POSIX `pthread_rwlock_t`, writer-preferring.
 *
 * One implementation for every backend, over a SharedArrayBuffer
 * (`contract/layout.ts`, RW_*). An OS rwlock would not save any of it: the
 * per-thread read shares (for owner death and the deadlock check), waits in
 * slices and the async forms would all still be needed around it.
 *
 * How it works. RW_WRITER names the writer: a writer claims it with one
 * compare-and-swap (0 -> its id), which at once stops new readers (writers
 * are not starved by a stream of readers), waits until every reader slot's
 * COUNT is 0, then sets RW_WRITE_HELD. A reader takes a slot (OWNER = its
 * threadId; one 64-byte line per reading thread), sets COUNT, then checks
 * RW_WRITER; when a writer has claimed it, the reader returns its share and
 * waits. Both sides write first and read the other's word second
 * (sequentially consistent Atomics), so at least one sees the other. A
 * thread that already holds a read share re-enters without looking at
 * writers (else a waiting writer and the reader would wait for each other).
 * Blocking waits use Atomics.wait in slices (terminate() stays prompt);
 * async ones Atomics.waitAsync.
 *
 * Owner death: where the native addon is loaded, the cleanup hook of a
 * thread that dies returns its read shares (its slots) and frees its write
 * side, which is then marked abandoned (`services/owner-death.ts`).
 * @module
 */
import { inspect } from 'node:util';

import { describeValue, isSharedArrayBuffer } from '../contract/handle';
import {
  ATOMICS_HOLDER_SHIFT, FLAG_ABANDONED, RW_CAPACITY_AT, RW_DRAIN_SEQ, RW_FLAGS, RW_ID_AT, RW_MAGIC, RW_MAGIC_AT,
  RW_PARKED, RW_SLOT_COUNT, RW_SLOT_OWNER, RW_SLOT_WORDS, RW_SLOTS_AT, RW_SLOTS_USED, RW_WRITE_HELD, RW_WRITER,
} from '../contract/layout';
import { describeOwner, type OwnerId } from '../contract/owner';
import { SELF as OWNER_SELF } from '../contract/owner';
import { NO_OWNER as NO_OWNER_ID } from '../contract/layout';
import { watchLock } from '../services/owner-death';
import { invalidArgType, invalidArgValue, invalidThis, outOfRange } from './arg-errors';
import { addPending, removePending } from './async-queue';
import {
  MutexDeadlockError, MutexInvalidHandleError, MutexNotOwnerError, MutexRecursionLimitError, MutexTimeoutError,
  MutexWaitersLimitError,
} from './errors';
import { MutexGuard } from './guard';
import {
  offAbort, onAbort, parseAcquireOptions, parseAsyncOptions, signalAborted, signalReason, type AcquireOptions,
  type AsyncAcquireOptions, type AsyncWait,
} from './options';
import { MAX_RECURSION } from './recursive';
import { Adoptions, isThenable } from './adoption';

/** The calling thread and 'nobody', as module constants (see contract/owner.ts). */
const SELF = OWNER_SELF;
const NO_OWNER = NO_OWNER_ID;

/** A reader-writer lock's handle: plain, cloneable data; `ReadWriteLock.from(handle)` in another thread. */
export interface ReadWriteLockHandle {
  readonly osMutex: 1;
  readonly type: 'rwlock';
  readonly buffer: SharedArrayBuffer;
}

/** Options of `new ReadWriteLock()`. */
export interface ReadWriteLockOptions {
  /** Most threads that can hold (or be taking) read shares at once: one slot each. Default 64. */
  maxReaders?: number;
}

/** A blocking wait returns to JavaScript this often (ms): terminate() of a waiting worker stays prompt. */
const WAIT_SLICE_MS = 50;
/**
 * Longest single Atomics.waitAsync (ms). Releases wake async waiters at
 * once; this bounds only how long a release by owner death (which cannot
 * Atomics.notify) goes unseen.
 */
const ASYNC_SLICE_MS = 250;
const DEFAULT_MAX_READERS = 64;
/** 64 bytes a slot: this keeps a buffer at 4 MiB at most. */
const MAX_READERS_LIMIT = 1 << 16;
const MAX_TIMER_MS = 0x7fffffff;

/** RW_WRITER while this thread has claimed the write side (waiting for readers to leave). */
const CLAIMED = (SELF + 1) << ATOMICS_HOLDER_SHIFT;
/** RW_WRITER while this thread holds the write side. */
const HELD = CLAIMED | RW_WRITE_HELD;

/**
 * Read shares this thread holds, over every ReadWriteLock: while 0, no slot
 * of any lock needs to be searched for this thread's shares.
 */
let threadShares = 0;

function readMaxReaders(options: unknown): number {
  if (options === undefined) return DEFAULT_MAX_READERS;
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  let maxReaders: unknown;
  try {
    maxReaders = (options as ReadWriteLockOptions).maxReaders;
  } catch (cause) {
    throw invalidArgValue('options', 'could not be read (a getter or Proxy threw)', cause);
  }
  if (maxReaders === undefined) return DEFAULT_MAX_READERS;
  if (typeof maxReaders !== 'number') throw invalidArgType('options.maxReaders', 'of type number', maxReaders);
  if (!Number.isInteger(maxReaders) || maxReaders < 1 || maxReaders > MAX_READERS_LIMIT) {
    throw outOfRange('options.maxReaders', `an integer from 1 to ${MAX_READERS_LIMIT}`, maxReaders);
  }
  return maxReaders;
}

/** The threadId a writer word names (claimed or held); the word is not 0. */
function writerOf(word: number): OwnerId {
  return (word >>> ATOMICS_HOLDER_SHIFT) - 1;
}

function promiseReturned(name: string): TypeError {
  return Object.assign(new TypeError(
    `${name}() callback returned a promise; the lock was released before it settled. Use ${name}Async()`),
  { code: 'ERR_INVALID_RETURN_VALUE' });
}

/** The opened buffer, from from() to the constructor (see adoption.ts). */
const adoptions = new Adoptions<SharedArrayBuffer>();

/**
 * A reader-writer lock across worker threads: many threads may hold the read
 * side at once, one thread the write side, never both. Writer-preferring: a
 * waiting writer stops new readers (a thread already reading may still
 * re-enter). Ownership is per thread: the read side counts each thread's
 * shares (recursion allowed), the write side is not recursive.
 */
export class ReadWriteLock {
  readonly #words: Int32Array;
  readonly #capacity: number;
  readonly #handle: ReadWriteLockHandle;
  /**
   * The slot this object last used: tried first (a thread tends to find it
   * free again). Slots are taken lowest first, so RW_SLOTS_USED stays near
   * the number of threads reading at once.
   */
  #slot: number;
  /**
   * A value of RW_SLOTS_USED this object has read (with Atomics, so in order):
   * the word only grows, so a slot below it needs no raise (see #claimSlot).
   */
  #slotsUsedSeen = 0;
  readonly #readReleaser = { release: (): void => this.releaseRead() };
  readonly #writeReleaser = { release: (): void => this.releaseWrite() };

  /**
   * A new, unlocked reader-writer lock. Never blocks.
   * @throws TypeError / RangeError for bad options (`maxReaders`: an integer
   *   from 1 to 65536).
   */
  constructor(options?: ReadWriteLockOptions) {
    let buffer = adoptions.take(new.target);
    if (buffer === undefined) {
      const capacity = readMaxReaders(options);
      buffer = new SharedArrayBuffer((RW_SLOTS_AT + capacity * RW_SLOT_WORDS) * Int32Array.BYTES_PER_ELEMENT);
      const init = new Int32Array(buffer);
      init[RW_CAPACITY_AT] = capacity;
      init[RW_ID_AT] = (Math.random() * 0x100000000) | 0;
      for (let slot = 0; slot < capacity; slot++) init[RW_SLOTS_AT + slot * RW_SLOT_WORDS + RW_SLOT_OWNER] = NO_OWNER;
      Atomics.store(init, RW_MAGIC_AT, RW_MAGIC);
    }
    const words = new Int32Array(buffer);
    this.#words = words;
    this.#capacity = Atomics.load(words, RW_CAPACITY_AT);
    this.#slot = 0;
    this.#handle = Object.freeze({ osMutex: 1, type: 'rwlock', buffer });
    watchLock(words);
  }

  /**
   * The lock a handle names, as an object of this class: the very same lock
   * (in any thread). Reads each field of `handle` once. Never blocks.
   * @throws MutexInvalidHandleError for anything that is not a reader-writer
   *   lock's handle (never crashes).
   * @throws TypeError (`ERR_INVALID_THIS`) unless called on ReadWriteLock or a subclass.
   */
  static from<T extends ReadWriteLock>(this: new () => T, handle: ReadWriteLockHandle): T {
    if (typeof this !== 'function' ||
        !((this as unknown) === ReadWriteLock || this.prototype instanceof ReadWriteLock)) {
      throw invalidThis('from() must be called on ReadWriteLock or a subclass, as in ReadWriteLock.from(handle)');
    }
    const buffer = readRwHandle(handle);
    const lock = adoptions.offer(this, buffer, () => new this());
    if (!(#words in lock) || lock.#words.buffer !== buffer) {
      throw new MutexInvalidHandleError(
        `from(): the constructor of ${describeValue(this.name)} did not make the object from() returns ` +
        'the opened lock (it constructed another lock of its own class first, or returned another object)');
    }
    return lock;
  }

  /** Plain data naming this lock; send it to a worker and call `ReadWriteLock.from()` there. */
  get handle(): ReadWriteLockHandle {
    return this.#handle;
  }

  /** Most threads that can hold read shares at once (the `maxReaders` it was made with). */
  get maxReaders(): number {
    return this.#capacity;
  }

  // --- The read side ----------------------------------------------------------

  /**
   * Acquires a read share. Blocks the calling thread (unless `blocking:
   * false`) until no writer holds or waits for the lock, or `timeout` ms
   * pass. A thread that already holds a share gets another at once (count),
   * even while a writer waits.
   * @returns true when acquired, false when not (timeout, or not free with
   *   `blocking: false` / `timeout: 0`).
   * @throws MutexDeadlockError when the calling thread holds (or, from an
   *   async acquisition, is waiting for) the write side and asked to wait.
   * @throws MutexWaitersLimitError when `maxReaders` threads already read.
   * @throws MutexRecursionLimitError at `MAX_RECURSION` shares.
   * @throws TypeError / RangeError for bad options, as `Mutex.acquire()`.
   */
  acquireRead(options?: AcquireOptions): boolean {
    return this.#acquireReadWithin(options === undefined ? Infinity : parseAcquireOptions(options));
  }

  /** Acquires a read share if that needs no waiting. Never blocks. @returns false when a writer holds or waits. */
  tryAcquireRead(): boolean {
    return this.#acquireReadWithin(0);
  }

  /**
   * Returns one read share of the calling thread. Never blocks. The thread
   * stops reading when its count drops to zero.
   * @throws MutexNotOwnerError when the calling thread holds no read share.
   */
  releaseRead(): void {
    const slot = threadShares === 0 ? -1 : this.#ownShareSlot();
    if (slot < 0) {
      throw new MutexNotOwnerError(
        `cannot release un-acquired read share: this thread (${SELF}) holds no read share of ${this.#describe()}`);
    }
    const words = this.#words;
    const countAt = RW_SLOTS_AT + slot * RW_SLOT_WORDS + RW_SLOT_COUNT;
    const count = words[countAt]; // this thread's own word: a plain read (see #ownShareSlot)
    threadShares--;
    if (count > 1) Atomics.store(words, countAt, count - 1);
    else this.#dropShare(slot);
  }

  /**
   * acquireRead(), returning a guard that returns the share at scope exit:
   * `using g = rw.readLock()`.
   * @throws MutexTimeoutError when not acquired; otherwise as acquireRead().
   */
  readLock(options?: AcquireOptions): MutexGuard {
    const timeout = options === undefined ? Infinity : parseAcquireOptions(options);
    if (!this.#acquireReadWithin(timeout)) throw this.#timeoutError('read', timeout);
    return new MutexGuard(this.#readReleaser, false);
  }

  /**
   * Runs `fn` holding a read share and returns its value; returns the share
   * when `fn` returns or throws. Blocks like acquireRead().
   * @throws MutexTimeoutError when not acquired; whatever `fn` throws;
   *   TypeError (`ERR_INVALID_RETURN_VALUE`) when `fn` returned a promise.
   */
  withReadLock<R>(fn: () => R, options?: AcquireOptions): R {
    if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
    const timeout = options === undefined ? Infinity : parseAcquireOptions(options);
    if (!this.#acquireReadWithin(timeout)) throw this.#timeoutError('read', timeout);
    let result: R;
    try {
      result = fn();
    } finally {
      this.releaseRead();
    }
    if (isThenable(result)) throw promiseReturned('withReadLock');
    return result;
  }

  /**
   * Acquires a read share without blocking the event loop; keeps the loop
   * alive while pending.
   * @returns a promise of true once acquired, false when `timeout` ms passed
   *   first; rejects with `signal.reason` on abort.
   * @throws TypeError / RangeError (synchronously) for bad options.
   */
  acquireReadAsync(options?: AsyncAcquireOptions): Promise<boolean> {
    return this.#acquireAsync(false, parseAsyncOptions(options));
  }

  /** acquireReadAsync(), resolving a guard. Rejects with MutexTimeoutError on timeout. */
  async readLockAsync(options?: AsyncAcquireOptions): Promise<MutexGuard> {
    const wait = parseAsyncOptions(options);
    if (!(await this.#acquireAsync(false, wait))) throw this.#timeoutError('read', wait.timeout);
    return new MutexGuard(this.#readReleaser, false);
  }

  /** Runs `fn` holding a read share (acquired as acquireReadAsync()); returns it once `fn`'s promise settled. */
  async withReadLockAsync<R>(fn: () => R | PromiseLike<R>, options?: AsyncAcquireOptions): Promise<R> {
    if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
    const wait = parseAsyncOptions(options);
    if (!(await this.#acquireAsync(false, wait))) throw this.#timeoutError('read', wait.timeout);
    try {
      return await fn();
    } finally {
      this.releaseRead();
    }
  }

  // --- The write side ---------------------------------------------------------

  /**
   * Acquires the write side. Blocks the calling thread (unless `blocking:
   * false`) until it holds it or `timeout` ms pass; while it waits for
   * readers to leave, no new reader gets in.
   * @returns true when acquired, false when not.
   * @throws MutexDeadlockError when the calling thread already holds the
   *   write side or holds a read share (there is no upgrade) and asked to
   *   wait; with `blocking: false` / `timeout: 0` that is false instead.
   * @throws TypeError / RangeError for bad options, as `Mutex.acquire()`.
   */
  acquireWrite(options?: AcquireOptions): boolean {
    return this.#acquireWriteWithin(options === undefined ? Infinity : parseAcquireOptions(options));
  }

  /** Acquires the write side if that needs no waiting. Never blocks. */
  tryAcquireWrite(): boolean {
    return this.#acquireWriteWithin(0);
  }

  /**
   * Releases the write side. Never blocks.
   * @throws MutexNotOwnerError unless the calling thread holds it.
   */
  releaseWrite(): void {
    const words = this.#words;
    const word = Atomics.load(words, RW_WRITER);
    if (word !== HELD) {
      const held = word !== 0 && (word & RW_WRITE_HELD) !== 0;
      throw new MutexNotOwnerError(held
        ? `cannot release the write side of ${this.#describe()}: it is held by ${describeOwner(writerOf(word))}, ` +
          `not by this thread (${SELF})`
        : `cannot release un-acquired write side: ${this.#describe()} is not write-locked`);
    }
    if (Atomics.load(words, RW_FLAGS) !== 0) Atomics.and(words, RW_FLAGS, ~FLAG_ABANDONED);
    Atomics.store(words, RW_WRITER, 0);
    this.#wakeParked();
  }

  /**
   * acquireWrite(), returning a guard that releases at scope exit:
   * `using g = rw.writeLock()`; `g.abandoned` as `abandoned`.
   * @throws MutexTimeoutError when not acquired; otherwise as acquireWrite().
   */
  writeLock(options?: AcquireOptions): MutexGuard {
    const timeout = options === undefined ? Infinity : parseAcquireOptions(options);
    if (!this.#acquireWriteWithin(timeout)) throw this.#timeoutError('write', timeout);
    return new MutexGuard(this.#writeReleaser, this.abandoned);
  }

  /**
   * Runs `fn` holding the write side and returns its value; releases when
   * `fn` returns or throws. Blocks like acquireWrite().
   * @throws MutexTimeoutError when not acquired; whatever `fn` throws;
   *   TypeError (`ERR_INVALID_RETURN_VALUE`) when `fn` returned a promise.
   */
  withWriteLock<R>(fn: () => R, options?: AcquireOptions): R {
    if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
    const timeout = options === undefined ? Infinity : parseAcquireOptions(options);
    if (!this.#acquireWriteWithin(timeout)) throw this.#timeoutError('write', timeout);
    let result: R;
    try {
      result = fn();
    } finally {
      this.releaseWrite();
    }
    if (isThenable(result)) throw promiseReturned('withWriteLock');
    return result;
  }

  /**
   * Acquires the write side without blocking the event loop; keeps the loop
   * alive while pending. As for `Mutex.acquireAsync()`, an async acquisition
   * is another flow of work: one from a thread that holds the lock (either
   * side) waits for that thread's release, never throws a deadlock error.
   * @returns a promise of true once held, false when `timeout` ms passed
   *   first; rejects with `signal.reason` on abort.
   * @throws TypeError / RangeError (synchronously) for bad options.
   */
  acquireWriteAsync(options?: AsyncAcquireOptions): Promise<boolean> {
    return this.#acquireAsync(true, parseAsyncOptions(options));
  }

  /** acquireWriteAsync(), resolving a guard. Rejects with MutexTimeoutError on timeout. */
  async writeLockAsync(options?: AsyncAcquireOptions): Promise<MutexGuard> {
    const wait = parseAsyncOptions(options);
    if (!(await this.#acquireAsync(true, wait))) throw this.#timeoutError('write', wait.timeout);
    return new MutexGuard(this.#writeReleaser, this.abandoned);
  }

  /** Runs `fn` holding the write side (acquired as acquireWriteAsync()); releases once `fn`'s promise settled. */
  async withWriteLockAsync<R>(fn: () => R | PromiseLike<R>, options?: AsyncAcquireOptions): Promise<R> {
    if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
    const wait = parseAsyncOptions(options);
    if (!(await this.#acquireAsync(true, wait))) throw this.#timeoutError('write', wait.timeout);
    try {
      return await fn();
    } finally {
      this.releaseWrite();
    }
  }

  // --- State (snapshots; never block) -------------------------------------------

  /** Whether a thread holds the write side. */
  writeLocked(): boolean {
    return (Atomics.load(this.#words, RW_WRITER) & RW_WRITE_HELD) !== 0;
  }

  /** Whether any thread holds a read share. */
  readLocked(): boolean {
    return this.readers > 0;
  }

  /** Whether the calling thread holds the write side. */
  isWriteOwned(): boolean {
    return Atomics.load(this.#words, RW_WRITER) === HELD;
  }

  /** The calling thread's read shares (0 when it does not read). */
  get readShares(): number {
    const slot = threadShares === 0 ? -1 : this.#ownShareSlot();
    return slot < 0 ? 0 : Atomics.load(this.#words, RW_SLOTS_AT + slot * RW_SLOT_WORDS + RW_SLOT_COUNT);
  }

  /** How many threads hold read shares. */
  get readers(): number {
    const words = this.#words;
    let readers = 0;
    for (let slot = 0; slot < this.#capacity; slot++) {
      if (Atomics.load(words, RW_SLOTS_AT + slot * RW_SLOT_WORDS + RW_SLOT_COUNT) > 0) readers++;
    }
    return readers;
  }

  /** `threadId` of the thread holding the write side (main thread 0), or null. */
  get writer(): OwnerId | null {
    const word = Atomics.load(this.#words, RW_WRITER);
    return (word & RW_WRITE_HELD) !== 0 ? writerOf(word) : null;
  }

  /**
   * True while the calling thread holds the write side and a previous
   * writer died holding it: the data may be half-updated. Cleared by
   * releaseWrite(). (A reader that dies changed nothing: its share is simply
   * returned.)
   */
  get abandoned(): boolean {
    const words = this.#words;
    return Atomics.load(words, RW_WRITER) === HELD && (Atomics.load(words, RW_FLAGS) & FLAG_ABANDONED) !== 0;
  }

  [inspect.custom](): string {
    const word = Atomics.load(this.#words, RW_WRITER);
    const readers = this.readers;
    const parts: string[] = [];
    if ((word & RW_WRITE_HELD) !== 0) parts.push('write-locked', `writer: ${writerOf(word)}`);
    else if (readers > 0) parts.push('read-locked', `readers: ${readers}`);
    else parts.push('unlocked');
    if (word !== 0 && (word & RW_WRITE_HELD) === 0) parts.push(`writer waiting: ${writerOf(word)}`);
    if (Atomics.load(this.#words, RW_FLAGS) & FLAG_ABANDONED) parts.push('abandoned');
    return `ReadWriteLock { ${parts.join(', ')} }`;
  }

  // --- Internals --------------------------------------------------------------

  /** e.g. `ReadWriteLock #0a1b2c3d`, for messages. */
  #describe(): string {
    return `ReadWriteLock #${(this.#words[RW_ID_AT] >>> 0).toString(16).padStart(8, '0')}`;
  }

  /** Whether the write side is claimed or held by the calling thread. */
  #writerIsSelf(): boolean {
    return (Atomics.load(this.#words, RW_WRITER) & ~RW_WRITE_HELD) === CLAIMED;
  }

  /**
   * A slot where the calling thread holds read shares, or -1. Plain reads,
   * not Atomics (each Atomics call costs ~120 instructions here): OWNER ===
   * SELF is written only by this thread and cleared only by this thread (or
   * its own exit), so a plain read sees it exactly when this thread took the
   * slot (aligned Int32Array reads never tear); COUNT of a slot it owns is
   * written only by this thread, so it reads its own last write.
   */
  #ownShareSlot(): number {
    const words = this.#words;
    let base = RW_SLOTS_AT + this.#slot * RW_SLOT_WORDS;
    if (words[base + RW_SLOT_OWNER] === SELF && words[base + RW_SLOT_COUNT] > 0) {
      return this.#slot;
    }
    for (let slot = 0; slot < this.#capacity; slot++) {
      base = RW_SLOTS_AT + slot * RW_SLOT_WORDS;
      if (words[base + RW_SLOT_OWNER] === SELF && words[base + RW_SLOT_COUNT] > 0) {
        this.#slot = slot;
        return slot;
      }
    }
    return -1;
  }

  /** Takes a free slot for the calling thread (OWNER = SELF, COUNT 0). */
  #claimSlot(): number {
    const words = this.#words;
    const capacity = this.#capacity;
    // The last slot first, then the lowest free one.
    const last = this.#slot;
    for (let n = -1; n < capacity; n++) {
      const slot = n < 0 ? last : n;
      if (n === last) continue;
      if (Atomics.compareExchange(words, RW_SLOTS_AT + slot * RW_SLOT_WORDS + RW_SLOT_OWNER, NO_OWNER, SELF) ===
          NO_OWNER) {
        // Raised before the share is counted: a writer that read the old
        // value claimed the writer word before, and the reader will see it.
        // A value this object already read with Atomics (earlier, so before
        // the share is counted) covers the slot as well: the word only grows.
        if (slot >= this.#slotsUsedSeen) {
          let used = Atomics.load(words, RW_SLOTS_USED);
          while (used <= slot) {
            const seen = Atomics.compareExchange(words, RW_SLOTS_USED, used, slot + 1);
            if (seen === used) {
              used = slot + 1;
              break;
            }
            used = seen;
          }
          this.#slotsUsedSeen = used;
        }
        this.#slot = slot;
        return slot;
      }
    }
    throw new MutexWaitersLimitError(
      `${this.#describe()}: ${capacity} threads already read it (its maxReaders); make it with a larger one`);
  }

  /** Sets the slot's COUNT to 0 and frees it; tells a writer waiting for readers to leave. */
  #dropShare(slot: number): void {
    const words = this.#words;
    const base = RW_SLOTS_AT + slot * RW_SLOT_WORDS;
    Atomics.store(words, base + RW_SLOT_COUNT, 0);
    Atomics.store(words, base + RW_SLOT_OWNER, NO_OWNER);
    if (Atomics.load(words, RW_WRITER) !== 0) {
      Atomics.add(words, RW_DRAIN_SEQ, 1);
      Atomics.notify(words, RW_DRAIN_SEQ);
    }
  }

  /** One attempt at a read share; never blocks. */
  #readOnce(): boolean {
    const words = this.#words;
    if (threadShares !== 0) {
      const own = this.#ownShareSlot();
      if (own >= 0) {
        // Re-entry: a thread that reads goes on reading, writer waiting or not.
        const countAt = RW_SLOTS_AT + own * RW_SLOT_WORDS + RW_SLOT_COUNT;
        const count = words[countAt]; // its own word (see #ownShareSlot)
        if (count >= MAX_RECURSION) {
          throw new MutexRecursionLimitError(`${this.#describe()}: this thread holds ${count} read shares already`);
        }
        Atomics.store(words, countAt, count + 1);
        threadShares++;
        return true;
      }
    }
    // A hint only (a plain read): the Atomics read after the share is
    // announced is the one that decides.
    if (words[RW_WRITER] !== 0) return false;
    const slot = this.#claimSlot();
    // Announce the share, then look for a writer (which claims, then looks
    // at the shares): one of the two sees the other.
    Atomics.store(words, RW_SLOTS_AT + slot * RW_SLOT_WORDS + RW_SLOT_COUNT, 1);
    if (Atomics.load(words, RW_WRITER) === 0) {
      threadShares++;
      return true;
    }
    this.#dropShare(slot);
    return false;
  }

  /** Whether no thread holds a read share. Precondition: the caller has claimed the writer word. */
  #drained(): boolean {
    const words = this.#words;
    const used = Atomics.load(words, RW_SLOTS_USED);
    for (let slot = 0; slot < used; slot++) {
      if (Atomics.load(words, RW_SLOTS_AT + slot * RW_SLOT_WORDS + RW_SLOT_COUNT) !== 0) return false;
    }
    return true;
  }

  /** Gives up a claim of the write side (never held): readers parked on it may go on. */
  #unclaim(): void {
    Atomics.store(this.#words, RW_WRITER, 0);
    this.#wakeParked();
  }

  #wakeParked(): void {
    if (Atomics.load(this.#words, RW_PARKED) !== 0) Atomics.notify(this.#words, RW_WRITER);
  }

  /** BLOCKS up to `ms` while the writer word stays as it is (returns at once when it is 0). */
  #parkOnWriter(ms: number): void {
    const words = this.#words;
    // Counted before the word is read: a release that clears the word after
    // this read sees the count and notifies.
    Atomics.add(words, RW_PARKED, 1);
    const word = Atomics.load(words, RW_WRITER);
    if (word !== 0) Atomics.wait(words, RW_WRITER, word, ms);
    Atomics.sub(words, RW_PARKED, 1);
  }

  /** Acquires a read share within `timeout` ms (0: try once; Infinity: forever). */
  #acquireReadWithin(timeout: number): boolean {
    if (this.#readOnce()) return true;
    if (this.#writerIsSelf()) {
      if (timeout === 0) return false;
      const held = (Atomics.load(this.#words, RW_WRITER) & RW_WRITE_HELD) !== 0;
      throw new MutexDeadlockError(
        `${this.#describe()}: this thread (${SELF}) ${held ? 'holds its write side' :
          'waits for its write side in an async acquisition'}; a read share would wait for this thread's own ` +
        'release and never be granted. Release the write side first');
    }
    if (timeout === 0) return false;
    const deadline = performance.now() + timeout;
    for (;;) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) return false;
      this.#parkOnWriter(remaining < WAIT_SLICE_MS ? remaining : WAIT_SLICE_MS);
      if (this.#readOnce()) return true;
    }
  }

  /** Acquires the write side within `timeout` ms (0: try once; Infinity: forever). */
  #acquireWriteWithin(timeout: number): boolean {
    const words = this.#words;
    if (this.#writerIsSelf()) {
      if (timeout === 0) return false;
      throw new MutexDeadlockError(
        `${this.#describe()}: its write side is already ${this.isWriteOwned() ? 'held' : 'claimed (async)'} by ` +
        `this thread (threadId ${SELF}); waiting for it would never end. The write side is not recursive`);
    }
    if (threadShares !== 0 && this.#ownShareSlot() >= 0) {
      if (timeout === 0) return false;
      throw new MutexDeadlockError(
        `${this.#describe()}: this thread (${SELF}) holds ${this.readShares} read share(s); the write side waits ` +
        'for every reader to leave, this thread included, so waiting would never end. ' +
        'Release the read shares first (there is no upgrade)');
    }
    let deadline = NaN; // read from the clock only once a wait is needed
    while (Atomics.compareExchange(words, RW_WRITER, 0, CLAIMED) !== 0) {
      if (timeout !== 0 && Number.isNaN(deadline)) deadline = performance.now() + timeout;
      const remaining = timeout === 0 ? 0 : deadline - performance.now();
      if (remaining <= 0) return false;
      this.#parkOnWriter(remaining < WAIT_SLICE_MS ? remaining : WAIT_SLICE_MS);
    }
    // Claimed: no new reader gets in; wait for the readers inside to leave.
    for (;;) {
      const seq = Atomics.load(words, RW_DRAIN_SEQ);
      if (this.#drained()) {
        Atomics.store(words, RW_WRITER, HELD);
        return true;
      }
      if (timeout !== 0 && Number.isNaN(deadline)) deadline = performance.now() + timeout;
      const remaining = timeout === 0 ? 0 : deadline - performance.now();
      if (remaining <= 0) {
        this.#unclaim();
        return false;
      }
      Atomics.wait(words, RW_DRAIN_SEQ, seq, remaining < WAIT_SLICE_MS ? remaining : WAIT_SLICE_MS);
    }
  }

  /** The async acquisitions: tries, then parks with Atomics.waitAsync on the word that will change. */
  #acquireAsync(write: boolean, { timeout, signal }: AsyncWait): Promise<boolean> {
    if (signal !== undefined && signalAborted(signal)) return Promise.reject(signalReason(signal));
    const words = this.#words;
    addPending();
    return new Promise<boolean>((resolve, reject) => {
      let done = false;
      let claimed = false;
      let parked = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (acquired: boolean, error?: { reason: unknown }): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (signal !== undefined) offAbort(signal, abort);
        if (parked) Atomics.sub(words, RW_PARKED, 1);
        if (claimed && !acquired) this.#unclaim();
        removePending();
        if (error !== undefined) reject(error.reason);
        else resolve(acquired);
      };
      const abort = (): void => finish(false, { reason: signalReason(signal!) });
      const park = (index: number, value: number): void => {
        const result = Atomics.waitAsync(words, index, value, ASYNC_SLICE_MS);
        if (result.async) void result.value.then(step);
        else setImmediate(step);
      };
      const step = (): void => {
        if (done) return;
        try {
          if (write) {
            if (!claimed) claimed = Atomics.compareExchange(words, RW_WRITER, 0, CLAIMED) === 0;
            if (claimed) {
              const seq = Atomics.load(words, RW_DRAIN_SEQ);
              if (this.#drained()) {
                Atomics.store(words, RW_WRITER, HELD);
                finish(true);
              } else if (timeout === 0) {
                finish(false);
              } else {
                park(RW_DRAIN_SEQ, seq);
              }
              return;
            }
          } else if (this.#readOnce()) {
            finish(true);
            return;
          }
        } catch (error) {
          finish(false, { reason: error });
          return;
        }
        if (timeout === 0) {
          finish(false);
          return;
        }
        if (!parked) {
          Atomics.add(words, RW_PARKED, 1);
          parked = true;
        }
        const word = Atomics.load(words, RW_WRITER);
        if (word === 0) setImmediate(step);
        else park(RW_WRITER, word);
      };
      if (signal !== undefined) onAbort(signal, abort);
      if (timeout !== Infinity && timeout !== 0) {
        timer = setTimeout(() => finish(false), Math.min(Math.ceil(timeout), MAX_TIMER_MS));
      }
      step();
    });
  }

  /** `timeout` is the one the caller's options gave, as parsed. */
  #timeoutError(side: 'read' | 'write', timeout: number): MutexTimeoutError {
    const word = Atomics.load(this.#words, RW_WRITER);
    const by = word === 0 ? (this.readers > 0 ? ' (read-locked)' : '')
      : (word & RW_WRITE_HELD) !== 0 ? ` (write-locked by ${describeOwner(writerOf(word))})`
        : ` (${describeOwner(writerOf(word))} waits for the write side)`;
    const how = timeout === 0 ? 'without waiting' : `within ${timeout} ms`;
    return new MutexTimeoutError(`could not acquire the ${side} side of ${this.#describe()} ${how}${by}`);
  }
}

/** Reads a reader-writer lock's handle fields once; returns its buffer. */
function readRwHandle(handle: unknown): SharedArrayBuffer {
  if (handle === null || typeof handle !== 'object') {
    throw new MutexInvalidHandleError(`not a reader-writer lock handle: ${describeValue(handle)}`);
  }
  let fields: { osMutex: unknown; type: unknown; buffer: unknown };
  try {
    const h = handle as Record<string, unknown>;
    fields = { osMutex: h.osMutex, type: h.type, buffer: h.buffer };
  } catch (cause) {
    throw new MutexInvalidHandleError('not a reader-writer lock handle: reading its fields threw', { cause });
  }
  if (fields.osMutex !== 1 || fields.type !== 'rwlock') {
    throw new MutexInvalidHandleError(`not a reader-writer lock handle: ${describeValue(handle)}`);
  }
  const { buffer } = fields;
  if (!isSharedArrayBuffer(buffer) || buffer.byteLength < (RW_SLOTS_AT + RW_SLOT_WORDS) * 4 ||
      buffer.byteLength % 4 !== 0) {
    throw new MutexInvalidHandleError('reader-writer lock handle without the SharedArrayBuffer of one');
  }
  const words = new Int32Array(buffer);
  const capacity = Atomics.load(words, RW_CAPACITY_AT);
  if (Atomics.load(words, RW_MAGIC_AT) !== RW_MAGIC || capacity < 1 ||
      words.length !== RW_SLOTS_AT + capacity * RW_SLOT_WORDS) {
    throw new MutexInvalidHandleError('reader-writer lock handle whose buffer is not a reader-writer lock');
  }
  return buffer;
}

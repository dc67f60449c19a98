/**
 * The behaviour of a lock, written once over the raw-lock contract
 * (`contract/raw-lock.ts`): ownership checks, option parsing, timeouts,
 * waits in slices, guards, async queues, handles, errors and inspect.
 * Backends only supply raw locks; recursion is a small layer on top
 * (`recursive.ts`).
 *
 * Defines:
 *   BaseLock   everything a lock does; re-acquisition by the holder is a
 *              deadlock error unless a subclass says otherwise (reenter)
 *   BaseMutex  the plain lock
 * @module
 */
import { inspect } from 'node:util';

import { readHandle, describeValue } from '../contract/handle';
import type { MutexHandle } from '../contract/handle';
import { FLAG_ABANDONED, META_COUNT as COUNT, META_FLAGS as FLAGS, META_OWNER as OWNER } from '../contract/layout';
import { describeOwner, formatOwner, type OwnerId, type ProcessOwner } from '../contract/owner';
import { SELF as OWNER_SELF } from '../contract/owner';
import { NO_OWNER as NO_OWNER_ID } from '../contract/layout';
import type { BackendName, RawLock, RawLockOps, WaitCycleStep } from '../contract/raw-lock';
import { illegalConstructor, invalidArgType, invalidThis } from './arg-errors';
import { Adoptions, isThenable } from './adoption';
import { AsyncQueue } from './async-queue';
import {
  MutexDeadlockError, MutexInvalidHandleError, MutexNotOwnerError, MutexTimeoutError,
} from './errors';
import { MutexGuard } from './guard';
import { lockClassInfo, type LockClassInfo } from './lock-class';
import { parseAcquireOptions, parseAsyncOptions, type AcquireOptions, type AsyncAcquireOptions } from './options';

/** The calling thread and 'nobody', as module constants (see contract/owner.ts). */
const SELF = OWNER_SELF;
const NO_OWNER = NO_OWNER_ID;

/**
 * A blocking wait returns to JavaScript this often (ms), so that
 * `worker.terminate()` of a waiting worker takes effect promptly.
 */
const WAIT_SLICE_MS = 50;

function deadlockCycleError(cycle: readonly WaitCycleStep[]): MutexDeadlockError {
  const steps = cycle.map((step, i) => {
    const holder = cycle[(i + 1) % cycle.length].thread;
    const who = i === 0 ? `this thread (${step.thread}) waits` : `thread ${step.thread}, which waits`;
    return `${who} for ${step.lock}, held by ${i === cycle.length - 1 ? `this thread (${holder})` : `thread ${holder}`}`;
  });
  return new MutexDeadlockError(`deadlock: ${steps.join('; ')}. No thread in this cycle could ever go on`);
}

/** The opened raw lock, from from() to the constructor of the class it was called on. */
const adoptions = new Adoptions<RawLock>();

/** A handle field for a message: a plain string as is, anything else described. */
function shown(value: unknown): string {
  return typeof value === 'string' && /^[a-z]{1,16}$/.test(value) ? value : describeValue(value);
}

const KIND_NAMES: Record<string, string> = { mutex: 'plain mutex', recursive: 'recursive mutex' };

/** Checks a handle's backend and kind against the class from() was called on. */
function checkHandleClass(backend: unknown, kind: unknown, info: LockClassInfo): void {
  if (backend !== info.backend.name) {
    throw new MutexInvalidHandleError(
      `handle belongs to the ${shown(backend)} backend, not the ${info.backend.name} one; ` +
      'open it with the class of that backend');
  }
  if (kind !== info.kind) {
    const what = typeof kind === 'string' && Object.hasOwn(KIND_NAMES, kind) ? KIND_NAMES[kind] : `kind ${shown(kind)}`;
    throw new MutexInvalidHandleError(`handle is for a ${what}, not a ${info.name}`);
  }
}

/**
 * Everything a lock does. Not constructed directly: use `Mutex`,
 * `RecursiveMutex`, their Atomics twins, `NamedMutex`, `NamedRecursiveMutex`
 * (or a subclass of one). `Owner` is how `owner` names a holder: a
 * `threadId`, or for a lock shared by processes a {@link ProcessOwner}.
 */
export abstract class BaseLock<Owner extends OwnerId | ProcessOwner = OwnerId> {
  readonly #raw: RawLock;
  readonly #meta: Int32Array;
  /**
   * The backend's shared uncontended path (RawLockOps), called with #token;
   * undefined for a raw lock without one, whose own functions are then
   * called (#tryLock, #unlock).
   */
  readonly #ops: RawLockOps | undefined;
  readonly #token: unknown;
  readonly #tryLock: () => boolean;
  readonly #unlock: () => void;
  readonly #name: string;
  #asyncQueue: AsyncQueue | undefined;
  /** `native` or `atomics`: the implementation under this lock. */
  readonly backend: BackendName;

  /**
   * A new unlocked lock of the backend and kind the class stands for. Never
   * blocks (a named lock: only while another process initialises the name).
   * `arg` goes to the backend's create(): a named lock's name; Mutex and
   * RecursiveMutex pass nothing.
   * @throws TypeError (`ERR_ILLEGAL_CONSTRUCTOR`) for an abstract class.
   * @throws MutexUnsupportedError when the class's backend cannot run here.
   */
  protected constructor(arg?: unknown) {
    const info = lockClassInfo(new.target);
    if (info === undefined) {
      throw illegalConstructor(
        'BaseLock is abstract: construct Mutex, RecursiveMutex, AtomicsMutex, AtomicsRecursiveMutex or a subclass');
    }
    const raw = adoptions.take(new.target) ?? info.backend.create(info.kind, arg);
    this.#raw = raw;
    this.#meta = raw.meta;
    this.#ops = raw.ops;
    this.#token = raw.token;
    this.#tryLock = raw.tryLock;
    this.#unlock = raw.unlock;
    this.#name = info.name;
    this.backend = info.backend.name;
  }

  /**
   * The lock a handle names, as an object of this class: the very same lock
   * (in any thread). Reads each field of `handle` once. Never blocks.
   * @throws MutexInvalidHandleError for anything that is not a handle to a
   *   live lock of this class's kind and backend (never crashes).
   * @throws TypeError (`ERR_INVALID_THIS`) unless called on a lock class
   *   (`Mutex.from(h)`, not a detached `from(h)` or `BaseLock.from(h)`).
   */
  static from<T extends BaseLock<OwnerId | ProcessOwner>>(this: new (...args: never[]) => T, handle: MutexHandle): T {
    const info = lockClassInfo(this);
    if (info === undefined) {
      throw invalidThis('from() must be called on a lock class, as in Mutex.from(handle)');
    }
    const fields = readHandle(handle);
    checkHandleClass(fields.backend, fields.kind, info);
    const raw = info.backend.open(fields, info.kind);
    const lock = adoptions.offer(this, raw, () => new (this as new () => T)());
    if (!(#raw in lock) || lock.#raw !== raw) {
      throw new MutexInvalidHandleError(
        `from(): the constructor of ${describeValue(this.name)} did not make the object from() returns ` +
        'the opened lock (it constructed another lock of its own class first, or returned another object)');
    }
    return lock;
  }

  /**
   * Acquires the lock. Blocks the calling thread (unless `blocking: false`)
   * until it holds the lock or `timeout` ms pass.
   * @returns true when acquired, false when not (timeout, or not free with
   *   `blocking: false` / `timeout: 0`).
   * @throws MutexDeadlockError when the caller already holds this plain mutex
   *   and asked to wait (a recursive mutex counts instead), or, native
   *   backend, when a wait without a timeout would never end (a wait cycle).
   * @throws MutexRecursionLimitError when a recursive holder is at `MAX_RECURSION`.
   * @throws TypeError / RangeError (`ERR_INVALID_ARG_TYPE`,
   *   `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`) for bad options.
   */
  acquire(options?: AcquireOptions): boolean {
    if (options === undefined) {
      // The hot path: no option parsing, one OWNER load, one tryLock call.
      const meta = this.#meta;
      if (meta[OWNER] === SELF) return this.reenter(Infinity);
      if (!this.#take()) this.#waitUntil(Infinity);
      meta[COUNT] = 1;
      return true;
    }
    return this.#acquireWithin(parseAcquireOptions(options));
  }

  /**
   * Acquires the lock if that needs no waiting. Never blocks.
   * @returns false when another thread holds it, the caller holds this
   *   plain mutex, or (Atomics backend) a release is handing it to a waiter
   *   that has waited 1 ms or more; true otherwise (a recursive holder
   *   re-enters).
   * @throws MutexRecursionLimitError when a recursive holder is at the limit.
   */
  tryAcquire(): boolean {
    return this.#acquireWithin(0);
  }

  /**
   * Releases one hold. Never blocks. The lock is freed when the holder's
   * count drops to zero (always, for a plain lock: its count is 1).
   * @throws MutexNotOwnerError unless the calling thread holds the lock.
   */
  release(): void {
    const meta = this.#meta;
    if (meta[OWNER] !== SELF) throw this.#notOwnerError();
    const count = meta[COUNT];
    if (count > 1) {
      meta[COUNT] = count - 1;
      return;
    }
    meta[COUNT] = 0;
    if (meta[FLAGS] !== 0) Atomics.and(meta, FLAGS, ~FLAG_ABANDONED);
    const ops = this.#ops;
    if (ops !== undefined) ops.unlock(this.#token);
    else this.#unlock();
  }

  /** Whether any thread holds the lock (a named lock: in any process; a snapshot). Never blocks. */
  locked(): boolean {
    const ownerOf = this.#raw.owner;
    if (ownerOf !== undefined) return this.#meta[OWNER] === SELF || ownerOf() !== null;
    return Atomics.load(this.#meta, OWNER) !== NO_OWNER;
  }

  /** Whether the calling thread holds the lock. Never blocks. */
  isOwned(): boolean {
    return this.#meta[OWNER] === SELF;
  }

  /**
   * `threadId` of the holder (main thread 0), or null when free (a
   * snapshot). A named lock: `{ pid, threadId }` of the holder in any process.
   */
  get owner(): Owner | null {
    const ownerOf = this.#raw.owner;
    if (ownerOf !== undefined) return ownerOf() as Owner | null;
    const owner = Atomics.load(this.#meta, OWNER);
    return owner === NO_OWNER ? null : owner as Owner;
  }

  /**
   * True while the calling thread holds the lock and the previous holder
   * died holding it (its thread exited or was terminated): the data the lock
   * protects may be half-updated. Cleared by the final release.
   */
  get abandoned(): boolean {
    const meta = this.#meta;
    // A plain read: only the holder's answer can be true, and the holder's
    // acquisition ordered the flag (set before the lock was handed on).
    return meta[OWNER] === SELF && (meta[FLAGS] & FLAG_ABANDONED) !== 0;
  }

  /** Plain data naming this lock; send it to a worker and call `from()` there. */
  get handle(): MutexHandle {
    return this.#raw.handle;
  }

  /**
   * Acquires the lock and returns a guard that releases it at scope exit
   * (`using g = m.lock()`), even when the scope throws. Blocks like acquire().
   * @throws MutexTimeoutError when not acquired (timeout passed, or not free
   *   with `blocking: false`).
   * @throws MutexDeadlockError, TypeError, RangeError as acquire().
   */
  lock(options?: AcquireOptions): MutexGuard {
    if (options === undefined) {
      this.acquire(); // the hot path, as acquire()'s
    } else {
      const timeout = parseAcquireOptions(options);
      if (!this.#acquireWithin(timeout)) throw this.#timeoutError(timeout);
    }
    // The caller holds the lock now: the flag needs no owner check and no atomic read.
    return new MutexGuard(this, (this.#meta[FLAGS] & FLAG_ABANDONED) !== 0);
  }

  /**
   * Runs `fn` holding the lock and returns its value; releases the lock when
   * `fn` returns or throws. Blocks like acquire(). `fn` must be synchronous:
   * use withLockAsync() for async work.
   * @throws MutexTimeoutError when not acquired; whatever `fn` throws.
   * @throws TypeError (`ERR_INVALID_ARG_TYPE`) when `fn` is not a function,
   *   (`ERR_INVALID_RETURN_VALUE`) when it returned a promise: the lock was
   *   released before that promise settled.
   */
  withLock<R>(fn: () => R, options?: AcquireOptions): R {
    if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
    const timeout = parseAcquireOptions(options);
    if (!this.#acquireWithin(timeout)) throw this.#timeoutError(timeout);
    let result: R;
    try {
      result = fn();
    } finally {
      this.release();
    }
    if (isThenable(result)) {
      throw Object.assign(new TypeError(
        'withLock() callback returned a promise; the lock was released before it settled. Use withLockAsync()'),
      { code: 'ERR_INVALID_RETURN_VALUE' });
    }
    return result;
  }

  /**
   * Acquires the lock without blocking the event loop. Async waiters of one
   * thread are served first come, first served. An async acquisition by a
   * thread that already holds the lock waits for its release (it is another
   * flow of work): it never re-enters and never throws a deadlock error. A
   * pending acquisition keeps the event loop alive.
   * @returns a promise of true once this thread holds the lock, or false
   *   when `timeout` ms passed first (the waiter is then gone for good).
   *   Rejects with `signal.reason` when `signal` aborts (likewise gone).
   * @throws TypeError / RangeError (synchronously) for bad options.
   */
  acquireAsync(options?: AsyncAcquireOptions): Promise<boolean> {
    return this.#queue().wait(parseAsyncOptions(options));
  }

  /**
   * Like acquireAsync(), resolving a guard: `await using g = await m.lockAsync()`.
   * Rejects with MutexTimeoutError when the timeout passes, with
   * `signal.reason` on abort.
   */
  async lockAsync(options?: AsyncAcquireOptions): Promise<MutexGuard> {
    const wait = parseAsyncOptions(options);
    if (!(await this.#queue().wait(wait))) throw this.#timeoutError(wait.timeout);
    return new MutexGuard(this, this.abandoned);
  }

  /**
   * Runs `fn` holding the lock (acquired as acquireAsync() does) and resolves
   * its result; releases once the promise `fn` returns has settled, whether
   * it fulfils or rejects.
   * @throws TypeError (`ERR_INVALID_ARG_TYPE`) when `fn` is not a function.
   */
  async withLockAsync<R>(fn: () => R | PromiseLike<R>, options?: AsyncAcquireOptions): Promise<R> {
    if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
    const wait = parseAsyncOptions(options);
    if (!(await this.#queue().wait(wait))) throw this.#timeoutError(wait.timeout);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  [inspect.custom](): string {
    const owner = this.owner;
    if (owner === null) return `${this.#name} { unlocked }`;
    const parts = ['locked', `owner: ${formatOwner(owner)}`, ...this.inspectDetails()];
    if (Atomics.load(this.#meta, FLAGS) & FLAG_ABANDONED) parts.push('abandoned');
    return `${this.#name} { ${parts.join(', ')} }`;
  }

  /**
   * For a condition wait: releases every hold the calling thread has (a
   * recursive lock fully) and returns the count to give back to
   * {@link BaseLock.restoreHolds}. Never blocks.
   * @throws MutexNotOwnerError unless the calling thread holds `lock`.
   * @internal
   */
  static releaseAllHolds(lock: BaseLock<OwnerId | ProcessOwner>): number {
    const meta = lock.#meta;
    if (meta[OWNER] !== SELF) throw lock.#notOwnerError();
    const count = meta[COUNT];
    meta[COUNT] = 1;
    lock.release();
    return count;
  }

  /**
   * Whether a holder of `lock` died holding it and nobody has released it
   * since (a snapshot, from any thread; `abandoned` says it only to the
   * holder). Never blocks.
   * @internal
   */
  static flaggedAbandoned(lock: BaseLock<OwnerId | ProcessOwner>): boolean {
    return (Atomics.load(lock.#meta, FLAGS) & FLAG_ABANDONED) !== 0;
  }

  /**
   * After a condition wait re-acquired `lock` (acquire() or acquireAsync():
   * count 1), gives back the count {@link BaseLock.releaseAllHolds} saved.
   * Never blocks. Precondition: the calling thread holds `lock`.
   * @internal
   */
  static restoreHolds(lock: BaseLock<OwnerId | ProcessOwner>, count: number): void {
    lock.#meta[COUNT] = count;
  }

  /**
   * The caller already holds the lock and asks for it again, waiting up to
   * `timeout` ms (0: not at all). A plain lock never re-enters: false when
   * not waiting, else MutexDeadlockError. `RecursiveMutex` overrides this.
   */
  protected reenter(timeout: number): boolean {
    if (timeout === 0) return false;
    throw new MutexDeadlockError(
      `${this.describe()} is already held by this thread (threadId ${SELF}); waiting for it ` +
      'would never end. A plain Mutex cannot be re-acquired by its holder: use RecursiveMutex');
  }

  /** Extra `util.inspect` parts while held (e.g. the recursion count). */
  protected inspectDetails(): string[] {
    return [];
  }

  /** The shared words (owner, count, flags), for the recursion layer. @internal */
  protected get meta(): Int32Array {
    return this.#meta;
  }

  /** e.g. `Mutex #12`, for messages. */
  protected describe(): string {
    return `${this.#name} ${this.#raw.label}`;
  }

  #queue(): AsyncQueue {
    return (this.#asyncQueue ??= new AsyncQueue(this.#raw, () => {
      this.#meta[COUNT] = 1;
    }));
  }

  /** The raw lock's tryLock, through the backend's ops table when it has one. Never blocks. */
  #take(): boolean {
    const ops = this.#ops;
    return ops !== undefined ? ops.tryLock(this.#token) : this.#tryLock();
  }

  /** Acquires within `timeout` ms (0: try once; Infinity: forever). */
  #acquireWithin(timeout: number): boolean {
    if (this.#meta[OWNER] === SELF) return this.reenter(timeout);
    if (this.#take() || (timeout > 0 && this.#waitUntil(timeout))) {
      this.#meta[COUNT] = 1;
      return true;
    }
    return false;
  }

  /**
   * BLOCKS until held (true) or `timeout` ms pass (false). Waits in slices
   * so that terminating this thread is never stuck in a native wait.
   */
  #waitUntil(timeout: number): boolean {
    const deadline = performance.now() + timeout;
    // A wait without a timeout that has already lasted a slice looks for a
    // wait cycle through this thread after every slice (native backend).
    const raw = this.#raw;
    const findCycle = timeout === Infinity && raw.findWaitCycle !== undefined;
    let recorded = false;
    try {
      for (;;) {
        const remaining = deadline - performance.now();
        if (remaining <= 0) return false;
        if (raw.lockFor(remaining < WAIT_SLICE_MS ? remaining : WAIT_SLICE_MS)) return true;
        if (findCycle) {
          recorded = true;
          const cycle = raw.findWaitCycle!();
          if (cycle !== undefined) throw deadlockCycleError(cycle);
        }
      }
    } finally {
      if (recorded) raw.endWait?.();
    }
  }

  #notOwnerError(): MutexNotOwnerError {
    const owner = this.owner;
    if (owner === null) {
      return new MutexNotOwnerError(`cannot release un-acquired lock: ${this.describe()} is not held`);
    }
    return new MutexNotOwnerError(
      `cannot release ${this.describe()}: it is held by ${describeOwner(owner)}, not by this thread (${SELF})`);
  }

  /** `timeout` is the one the caller's options gave, as parsed (never re-read). */
  #timeoutError(timeout: number): MutexTimeoutError {
    const owner = this.owner;
    const held = owner === null ? '' : ` (held by ${describeOwner(owner)})`;
    const how = timeout === 0 ? 'without waiting' : `within ${timeout} ms`;
    return new MutexTimeoutError(`could not acquire ${this.describe()} ${how}${held}`);
  }
}

/** A plain (non-recursive) lock: re-acquisition by its holder is a deadlock error. */
export abstract class BaseMutex<Owner extends OwnerId | ProcessOwner = OwnerId> extends BaseLock<Owner> {}

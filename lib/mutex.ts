/**
 * Mutex and RecursiveMutex behaviour, written once over the {@link Backend}
 * interface: ownership checks, recursion (owner + count), option parsing,
 * timeouts, guards, errors and inspect. Backends (`native.ts`, `atomics.ts`)
 * only supply raw locks and one-line subclasses.
 *
 * Defines:
 *   BaseLock           everything a lock does
 *   BaseMutex          plain: re-acquisition by the holder is a deadlock error
 *   BaseRecursiveMutex recursive: re-acquisition by the holder counts
 *   MutexGuard         what lock() returns; released at scope exit by `using`
 *   AcquireOptions     { blocking, timeout }
 * @module
 */
import { inspect } from 'node:util';
import { threadId } from 'node:worker_threads';

import {
  COUNT, FLAG_ABANDONED, FLAGS, NO_OWNER, OWNER,
  type Backend, type BackendName, type LockKind, type MutexHandle, type RawLock, type WaitCycleStep,
} from './backend';
import { AsyncQueue } from './async-queue';
import { invalidArgType, invalidArgValue, outOfRange } from './arg-errors';
import {
  MutexDeadlockError, MutexInvalidHandleError, MutexNotOwnerError, MutexRecursionLimitError, MutexTimeoutError,
} from './errors';

/** Options of `acquire()`, `lock()` and `withLock()`. */
export interface AcquireOptions {
  /** `false`: try once and never block (same as `tryAcquire()`). Default `true`. */
  blocking?: boolean;
  /**
   * Milliseconds to wait at most, on a monotonic clock. `0` tries once;
   * `Infinity` (or absent) waits forever. Not allowed with `blocking: false`.
   */
  timeout?: number;
}

/** Options of `acquireAsync()`, `lockAsync()` and `withLockAsync()`. */
export interface AsyncAcquireOptions {
  /** Milliseconds to wait at most; `0` tries once; `Infinity` (or absent) waits forever. */
  timeout?: number;
  /** Aborts the wait: the promise rejects with `signal.reason` and the waiter is gone. */
  signal?: AbortSignal;
}

/** The calling thread, as a lock owner: Node's `threadId` (main thread 0, never reused). */
const SELF = threadId;

/**
 * A blocking wait returns to JavaScript this often (ms), so that
 * `worker.terminate()` of a waiting worker takes effect promptly.
 */
const WAIT_SLICE_MS = 50;

/** Most times a recursive mutex can be held at once by its owner (the COUNT word is an int32). */
export const MAX_RECURSION = 0x7fffffff;

/** A timeout is a number of milliseconds >= 0, or Infinity. */
function checkTimeout(timeout: unknown): asserts timeout is number {
  if (typeof timeout !== 'number') throw invalidArgType('options.timeout', 'of type number', timeout);
  if (Number.isNaN(timeout) || timeout < 0) {
    throw outOfRange('options.timeout', '>= 0 (milliseconds) or Infinity', timeout);
  }
}

/** Returns the timeout in ms an options object asks for: 0 = try once, Infinity = forever. */
export function parseAcquireOptions(options: unknown): number {
  if (options === undefined) return Infinity;
  if (options === null || typeof options !== 'object') {
    throw invalidArgType('options', 'of type object', options);
  }
  const { blocking, timeout } = options as AcquireOptions;
  if (blocking !== undefined && typeof blocking !== 'boolean') {
    throw invalidArgType('options.blocking', 'of type boolean', blocking);
  }
  if (timeout === undefined) return blocking === false ? 0 : Infinity;
  checkTimeout(timeout);
  if (blocking === false) {
    throw invalidArgValue('options', 'cannot combine blocking: false with a timeout');
  }
  return timeout;
}

/** Returns [timeout ms, signal] of async options (Infinity = forever). */
export function parseAsyncOptions(options: unknown): [number, AbortSignal | undefined] {
  if (options === undefined) return [Infinity, undefined];
  if (options === null || typeof options !== 'object') {
    throw invalidArgType('options', 'of type object', options);
  }
  const { timeout, signal } = options as AsyncAcquireOptions;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  }
  if (timeout === undefined) return [Infinity, signal];
  checkTimeout(timeout);
  return [timeout, signal];
}

function deadlockCycleError(cycle: readonly WaitCycleStep[]): MutexDeadlockError {
  const steps = cycle.map((step, i) => {
    const holder = cycle[(i + 1) % cycle.length].thread;
    const who = i === 0 ? `this thread (${step.thread}) waits` : `thread ${step.thread}, which waits`;
    return `${who} for ${step.lock}, held by ${i === cycle.length - 1 ? `this thread (${holder})` : `thread ${holder}`}`;
  });
  return new MutexDeadlockError(`deadlock: ${steps.join('; ')}. No thread in this cycle could ever go on`);
}

/** Set by `from()` for the duration of one constructor call. */
let adopting: MutexHandle | undefined;

/** The class name of each kind (native backend's, also used in messages). */
export const KIND_CLASS: Record<LockKind, string> = { mutex: 'Mutex', recursive: 'RecursiveMutex' };

function checkHandle(handle: unknown, backend: BackendName, kind: LockKind): MutexHandle {
  const h = handle as Partial<MutexHandle> | null;
  if (h === null || typeof h !== 'object' || h.osMutex !== 1) {
    throw new MutexInvalidHandleError(
      `not an os-mutex handle: ${inspect(handle, { depth: 1, breakLength: Infinity })}`);
  }
  if (h.backend !== backend) {
    throw new MutexInvalidHandleError(
      `handle belongs to the ${String(h.backend)} backend, not the ${backend} one; ` +
      `open it with the class of that backend`);
  }
  if (h.kind !== kind) {
    throw new MutexInvalidHandleError(
      `handle is for a ${KIND_CLASS[h.kind as LockKind] ?? String(h.kind)}, not a ${KIND_CLASS[kind]}`);
  }
  return h as MutexHandle;
}

/**
 * Everything a lock does. Not constructed directly: use `Mutex`,
 * `RecursiveMutex` or their Atomics twins.
 */
export abstract class BaseLock {
  readonly #raw: RawLock;
  readonly #meta: Int32Array;
  readonly #tryLock: () => boolean;
  readonly #lockFor: (ms: number) => boolean;
  readonly #unlock: () => void;
  readonly #recursive: boolean;
  #asyncQueue: AsyncQueue | undefined;
  /** `native` or `atomics`: the implementation under this lock. */
  readonly backend: BackendName;

  protected constructor(backend: Backend, kind: LockKind) {
    let raw: RawLock;
    if (adopting === undefined) {
      raw = backend.create(kind);
    } else {
      const handle = checkHandle(adopting, backend.name, kind);
      adopting = undefined;
      raw = backend.open(handle, kind);
    }
    this.#raw = raw;
    this.#meta = raw.meta;
    this.#tryLock = raw.tryLock;
    this.#lockFor = raw.lockFor;
    this.#unlock = raw.unlock;
    this.#recursive = kind === 'recursive';
    this.backend = backend.name;
  }

  /**
   * The lock a handle names, as an object of this class: the very same lock
   * (in any thread). Never blocks.
   * @throws MutexInvalidHandleError for anything that is not a handle to a
   *   live lock of this class and backend (never crashes).
   */
  static from<T extends BaseLock>(this: new () => T, handle: MutexHandle): T {
    adopting = (handle ?? null) as MutexHandle;
    try {
      return new this();
    } finally {
      adopting = undefined;
    }
  }

  /**
   * Acquires the lock. Blocks the calling thread (unless `blocking: false`)
   * until it holds the lock or `timeout` ms pass.
   * @returns true when acquired, false when not (timeout, or not free with
   *   `blocking: false` / `timeout: 0`).
   * @throws MutexDeadlockError when the caller already holds this plain mutex
   *   and asked to wait (a recursive mutex counts instead), or, native
   *   backend, when a wait without a timeout would never end (a wait cycle).
   * @throws MutexRecursionLimitError when a recursive holder is at {@link MAX_RECURSION}.
   * @throws TypeError / RangeError (`ERR_INVALID_ARG_TYPE`,
   *   `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`) for bad options.
   */
  acquire(options?: AcquireOptions): boolean {
    if (options === undefined) {
      // The hot path: no option parsing, two loads, one native call.
      const meta = this.#meta;
      if (meta[OWNER] === SELF) return this.#reenter(Infinity);
      if (!this.#tryLock()) this.#waitUntil(Infinity);
      meta[COUNT] = 1;
      return true;
    }
    return this.#acquireWithin(parseAcquireOptions(options));
  }

  /**
   * Acquires the lock if that needs no waiting. Never blocks.
   * @returns false when another thread holds it, or the caller holds this
   *   plain mutex; true otherwise (a recursive holder re-enters).
   * @throws MutexRecursionLimitError when a recursive holder is at the limit.
   */
  tryAcquire(): boolean {
    return this.#acquireWithin(0);
  }

  /**
   * Releases one hold. Never blocks. A recursive mutex is freed when its
   * count drops to zero.
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
    this.#unlock();
  }

  /** Whether any thread holds the lock (a snapshot). Never blocks. */
  locked(): boolean {
    return Atomics.load(this.#meta, OWNER) !== NO_OWNER;
  }

  /** Whether the calling thread holds the lock. Never blocks. */
  isOwned(): boolean {
    return this.#meta[OWNER] === SELF;
  }

  /** `threadId` of the holder (main thread 0), or null when free (a snapshot). */
  get owner(): number | null {
    const owner = Atomics.load(this.#meta, OWNER);
    return owner === NO_OWNER ? null : owner;
  }

  /**
   * True while the calling thread holds the lock and the previous holder
   * died holding it (its thread exited or was terminated): the data the lock
   * protects may be half-updated. Cleared by the final release.
   */
  get abandoned(): boolean {
    const meta = this.#meta;
    return meta[OWNER] === SELF && (Atomics.load(meta, FLAGS) & FLAG_ABANDONED) !== 0;
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
    if (options === undefined) this.acquire(); // the hot path, as acquire()'s
    else if (!this.#acquireWithin(parseAcquireOptions(options))) throw this.#timeoutError(options);
    return new MutexGuard(this, this.abandoned);
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
    if (!this.#acquireWithin(parseAcquireOptions(options))) throw this.#timeoutError(options);
    let result: R;
    try {
      result = fn();
    } finally {
      this.release();
    }
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
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
    const [timeout, signal] = parseAsyncOptions(options);
    this.#asyncQueue ??= new AsyncQueue(this.#raw, () => {
      this.#meta[COUNT] = 1;
    });
    return this.#asyncQueue.wait(timeout, signal);
  }

  /**
   * Like acquireAsync(), resolving a guard: `await using g = await m.lockAsync()`.
   * Rejects with MutexTimeoutError when the timeout passes, with
   * `signal.reason` on abort.
   */
  async lockAsync(options?: AsyncAcquireOptions): Promise<MutexGuard> {
    if (!(await this.acquireAsync(options))) throw this.#timeoutError(options);
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
    if (!(await this.acquireAsync(options))) throw this.#timeoutError(options);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  [inspect.custom](): string {
    const owner = this.owner;
    const name = this.constructor.name;
    if (owner === null) return `${name} { unlocked }`;
    const parts = ['locked', `owner: ${owner}`];
    if (this.#recursive) parts.push(`count: ${Atomics.load(this.#meta, COUNT)}`);
    if (Atomics.load(this.#meta, FLAGS) & FLAG_ABANDONED) parts.push('abandoned');
    return `${name} { ${parts.join(', ')} }`;
  }

  /** Recursion depth: the holder's count, or 0 when free (a snapshot from other threads). */
  protected get depth(): number {
    const meta = this.#meta;
    if (meta[OWNER] === SELF) return meta[COUNT];
    return Atomics.load(meta, OWNER) === NO_OWNER ? 0 : Atomics.load(meta, COUNT);
  }

  /** Acquires within `timeout` ms (0: try once; Infinity: forever). */
  #acquireWithin(timeout: number): boolean {
    if (this.#meta[OWNER] === SELF) return this.#reenter(timeout);
    if (this.#tryLock() || (timeout > 0 && this.#waitUntil(timeout))) {
      this.#meta[COUNT] = 1;
      return true;
    }
    return false;
  }

  /** The caller already holds the lock. */
  #reenter(timeout: number): boolean {
    const meta = this.#meta;
    if (!this.#recursive) {
      if (timeout === 0) return false;
      throw new MutexDeadlockError(
        `${this.#describe()} is already held by this thread (threadId ${SELF}); waiting for it ` +
        'would never end. A plain Mutex cannot be re-acquired by its holder: use RecursiveMutex');
    }
    const count = meta[COUNT];
    if (count >= MAX_RECURSION) {
      throw new MutexRecursionLimitError(`${this.#describe()} is already held ${count} times by this thread`);
    }
    meta[COUNT] = count + 1;
    return true;
  }

  /**
   * Blocks until held (true) or `timeout` ms pass (false). Waits in slices
   * so that terminating this thread is never stuck in a native wait.
   */
  #waitUntil(timeout: number): boolean {
    const deadline = performance.now() + timeout;
    // A wait without a timeout that has already lasted a slice looks for a
    // wait cycle through this thread after every slice (native backend).
    const findCycle = timeout === Infinity ? this.#raw.findWaitCycle : undefined;
    let recorded = false;
    try {
      for (;;) {
        const remaining = deadline - performance.now();
        if (remaining <= 0) return false;
        if (this.#lockFor(remaining < WAIT_SLICE_MS ? remaining : WAIT_SLICE_MS)) return true;
        if (findCycle !== undefined) {
          recorded = true;
          const cycle = findCycle();
          if (cycle !== undefined) throw deadlockCycleError(cycle);
        }
      }
    } finally {
      if (recorded) this.#raw.endWait?.();
    }
  }

  #describe(): string {
    return `${this.constructor.name} ${this.#raw.label}`;
  }

  #notOwnerError(): MutexNotOwnerError {
    const owner = this.owner;
    if (owner === null) {
      return new MutexNotOwnerError(`cannot release un-acquired lock: ${this.#describe()} is not held`);
    }
    return new MutexNotOwnerError(
      `cannot release ${this.#describe()}: it is held by thread ${owner}, not by this thread (${SELF})`);
  }

  #timeoutError(options: (AcquireOptions & AsyncAcquireOptions) | undefined): MutexTimeoutError {
    const owner = this.owner;
    const held = owner === null ? '' : ` (held by thread ${owner})`;
    const how = options?.blocking === false || options?.timeout === 0
      ? 'without waiting'
      : `within ${options?.timeout} ms`;
    return new MutexTimeoutError(`could not acquire ${this.#describe()} ${how}${held}`);
  }
}

/** A plain (non-recursive) lock. */
export abstract class BaseMutex extends BaseLock {
  protected constructor(backend: Backend) {
    super(backend, 'mutex');
  }
}

/** A recursive lock: its holder may acquire it again; it is free after as many releases. */
export abstract class BaseRecursiveMutex extends BaseLock {
  protected constructor(backend: Backend) {
    super(backend, 'recursive');
  }

  /** How many times the holder holds it (0 when free). A snapshot from other threads. */
  get count(): number {
    return this.depth;
  }
}

/**
 * Proof of holding a lock, from `lock()`. `using g = m.lock()` releases at
 * scope exit. Releasing twice is a no-op.
 */
export class MutexGuard implements Disposable, AsyncDisposable {
  #lock: BaseLock | undefined;
  /** The previous holder died holding the lock (see `BaseLock.abandoned`). */
  readonly abandoned: boolean;

  /** @internal */
  constructor(lock: BaseLock, abandoned: boolean) {
    this.#lock = lock;
    this.abandoned = abandoned;
  }

  /** Whether this guard still holds its lock. */
  get held(): boolean {
    return this.#lock !== undefined;
  }

  /**
   * Releases the lock once; later calls do nothing. Never blocks.
   * @throws MutexNotOwnerError when called from a thread that does not hold it.
   */
  release(): void {
    const lock = this.#lock;
    if (lock === undefined) return;
    lock.release();
    this.#lock = undefined;
  }

  [Symbol.dispose](): void {
    this.release();
  }

  /** For `await using g = await m.lockAsync()`: releases (synchronously). */
  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return Promise.resolve();
  }
}

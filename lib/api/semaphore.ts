/**
 * Semaphore and BoundedSemaphore: Python's `threading.Semaphore` and
 * `threading.BoundedSemaphore`, shared by handle across worker threads.
 * Written once over a {@link Condition} (as CPython writes them): the value
 * and the bound are two of the condition's shared words, so every thread
 * that opens the handle sees the same semaphore.
 *
 * Permits are not owned (as in Python): any thread may release one, whether
 * or not it acquired one. A thread that dies holding permits does not give
 * them back; one that dies waiting for a permit is simply gone.
 * @module
 */
import { inspect } from 'node:util';

import { COND_USER0, COND_USER1 } from '../contract/layout';
import { invalidArgType, outOfRange } from './arg-errors';
import {
  ConditionPrimitive, deadlineIn, newCondition, readOptions, remaining,
  type Operation, type PrimitiveHandle, type PrimitiveOptions,
} from './condition-primitive';
import { MutexTimeoutError, SemaphoreOverflowError } from './errors';
import {
  parseAcquireOptions, parseAsyncOptions, signalAborted, signalReason, type AcquireOptions, type AsyncAcquireOptions, type AsyncWait,
} from './options';
import { isThenable } from './adoption';

/** Shared word: the semaphore's value (permits available). */
const VALUE = COND_USER0;
/** Shared word: a BoundedSemaphore's initial value (the most it may hold), or {@link UNBOUNDED}. */
const LIMIT = COND_USER1;
const UNBOUNDED = -1;
/** The most a semaphore's value can be (one int32 word). */
export const MAX_SEMAPHORE_VALUE = 0x7fffffff;

/** A semaphore's handle: plain, cloneable data; `Semaphore.from(handle)` in another thread. */
export interface SemaphoreHandle extends PrimitiveHandle {
  readonly type: 'semaphore' | 'bounded-semaphore';
}

/** Options of `new Semaphore()` and `new BoundedSemaphore()`. */
export type SemaphoreOptions = PrimitiveOptions;

function readValue(value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number') throw invalidArgType('value', 'of type number', value);
  if (!Number.isInteger(value) || value < 0 || value > MAX_SEMAPHORE_VALUE) {
    throw outOfRange('value', `an integer from 0 to ${MAX_SEMAPHORE_VALUE}`, value);
  }
  return value;
}

function isBoundedClass(cls: unknown): boolean {
  return cls === BoundedSemaphore || (typeof cls === 'function' && cls.prototype instanceof BoundedSemaphore);
}

/**
 * Python's `threading.Semaphore`, across worker threads: a counter of
 * permits; `acquire()` takes one (waiting while there are none),
 * `release()` gives some back. Permits are not owned: any thread may
 * release, also one that never acquired.
 */
export class Semaphore extends ConditionPrimitive {
  /** @internal */
  protected static override readonly handleType: string = 'semaphore';

  /**
   * A new semaphore with `value` permits (default 1). Never blocks.
   * @throws TypeError / RangeError (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`)
   *   unless `value` is an integer from 0 to 2^31-1; for bad options (a
   *   `lock` that is not a lock of this library, a bad `maxWaiters`, options
   *   that cannot be read: `ERR_INVALID_ARG_VALUE`).
   */
  constructor(value?: number, options?: SemaphoreOptions) {
    super(() => {
      const initial = readValue(value);
      const { lock, maxWaiters } = readOptions(options, ['lock', 'maxWaiters'] as const);
      const condition = newCondition(lock, maxWaiters);
      Atomics.store(condition.words, VALUE, initial);
      Atomics.store(condition.words, LIMIT, isBoundedClass(new.target) ? initial : UNBOUNDED);
      return { condition };
    });
  }

  override get handle(): SemaphoreHandle {
    return super.handle as SemaphoreHandle;
  }

  /** Permits available now (a snapshot). Never blocks. */
  get value(): number {
    return Atomics.load(this.words, VALUE);
  }

  /**
   * Takes a permit. BLOCKS the calling thread while there is none (unless
   * `blocking: false` or `timeout: 0`), for at most `timeout` ms.
   * @returns true when a permit was taken, false when none came in time.
   * @throws TypeError / RangeError for bad options (as `Mutex.acquire()`).
   * @throws MutexWaitersLimitError when `maxWaiters` threads already wait.
   */
  acquire(options?: AcquireOptions): boolean {
    const deadline = deadlineIn(parseAcquireOptions(options));
    return this.run(() => this.#take(deadline));
  }

  /** Takes a permit if one is available now; never waits for one (the internal lock is held only briefly). */
  tryAcquire(): boolean {
    return this.run(() => this.#take(-Infinity));
  }

  /**
   * Gives back `n` permits (default 1) and wakes up to `n` waiters. Never
   * blocks (but briefly for the internal lock). Any thread may release.
   * @throws SemaphoreOverflowError (nothing changed) when the value would
   *   pass a BoundedSemaphore's initial value, or 2^31-1.
   * @throws TypeError / RangeError unless `n` is an integer >= 1.
   */
  release(n = 1): void {
    if (typeof n !== 'number') throw invalidArgType('n', 'of type number', n);
    if (!Number.isInteger(n) || n < 1) throw outOfRange('n', 'an integer >= 1', n);
    this.locked(() => {
      const words = this.words;
      const value = words[VALUE];
      const limit = words[LIMIT];
      if (limit !== UNBOUNDED && value + n > limit) {
        throw new SemaphoreOverflowError(
          `BoundedSemaphore released too many times: its value ${value} + ${n} would exceed its initial value ${limit}`);
      }
      if (value + n > MAX_SEMAPHORE_VALUE) {
        throw new SemaphoreOverflowError(
          `Semaphore released too many times: its value ${value} + ${n} would exceed ${MAX_SEMAPHORE_VALUE}`);
      }
      Atomics.store(words, VALUE, value + n);
      this.condition.notify(n);
    });
  }

  /**
   * acquire() without blocking the event loop; a pending acquisition keeps
   * the loop alive.
   * @returns a promise of true once a permit is taken, false when `timeout`
   *   ms passed first; rejects with `signal.reason` on abort (no permit taken).
   * @throws TypeError / RangeError (synchronously) for bad options.
   */
  acquireAsync(options?: AsyncAcquireOptions): Promise<boolean> {
    return this.#takeAsync(parseAsyncOptions(options));
  }

  /**
   * Takes a permit and returns a guard that gives it back once
   * (`using p = sem.permit()`). Blocks like acquire().
   * @throws MutexTimeoutError when no permit came in time; as acquire().
   */
  permit(options?: AcquireOptions): SemaphorePermit {
    const timeout = parseAcquireOptions(options);
    if (!this.run(() => this.#take(deadlineIn(timeout)))) throw this.#timeoutError(timeout);
    return new SemaphorePermit(this);
  }

  /**
   * permit() without blocking the event loop: `await using p = await sem.permitAsync()`.
   * Rejects with MutexTimeoutError on timeout, `signal.reason` on abort.
   */
  async permitAsync(options?: AsyncAcquireOptions): Promise<SemaphorePermit> {
    const wait = parseAsyncOptions(options);
    if (!(await this.#takeAsync(wait))) throw this.#timeoutError(wait.timeout);
    return new SemaphorePermit(this);
  }

  /**
   * Runs synchronous `fn` holding a permit and returns its value; gives the
   * permit back when `fn` returns or throws. Blocks like acquire().
   * @throws MutexTimeoutError when no permit came in time; whatever `fn`
   *   throws; TypeError (`ERR_INVALID_ARG_TYPE`) when `fn` is not a function,
   *   (`ERR_INVALID_RETURN_VALUE`) when it returned a promise (the permit was
   *   given back before it settled: use withPermitAsync()).
   */
  withPermit<R>(fn: () => R, options?: AcquireOptions): R {
    if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
    const timeout = parseAcquireOptions(options);
    if (!this.run(() => this.#take(deadlineIn(timeout)))) throw this.#timeoutError(timeout);
    let result: R;
    try {
      result = fn();
    } finally {
      this.release();
    }
    if (isThenable(result)) {
      throw Object.assign(new TypeError(
        'withPermit() callback returned a promise; the permit was given back before it settled. Use withPermitAsync()'),
      { code: 'ERR_INVALID_RETURN_VALUE' });
    }
    return result;
  }

  /**
   * Runs `fn` holding a permit (taken as acquireAsync() does) and resolves
   * its result; gives the permit back once `fn`'s promise settles.
   * @throws MutexTimeoutError (rejection) when no permit came in time;
   *   TypeError (`ERR_INVALID_ARG_TYPE`) when `fn` is not a function.
   */
  async withPermitAsync<R>(fn: () => R | PromiseLike<R>, options?: AsyncAcquireOptions): Promise<R> {
    if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
    const wait = parseAsyncOptions(options);
    if (!(await this.#takeAsync(wait))) throw this.#timeoutError(wait.timeout);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  [inspect.custom](): string {
    const words = this.words;
    const limit = Atomics.load(words, LIMIT);
    const parts = [`value: ${Atomics.load(words, VALUE)}`];
    if (limit !== UNBOUNDED) parts.push(`max: ${limit}`);
    const waiting = this.condition.waiting;
    if (waiting > 0) parts.push(`waiting: ${waiting}`);
    return `${limit === UNBOUNDED ? 'Semaphore' : 'BoundedSemaphore'} { ${parts.join(', ')} }`;
  }

  /** Python's Semaphore.acquire: waits while the value is 0, then takes one. */
  *#take(deadline: number): Operation<boolean> {
    const words = this.words;
    for (;;) {
      const value = words[VALUE];
      if (value > 0) {
        Atomics.store(words, VALUE, value - 1);
        return true;
      }
      const left = remaining(deadline);
      if (left <= 0) return false;
      yield left;
    }
  }

  #takeAsync(wait: AsyncWait): Promise<boolean> {
    if (wait.signal !== undefined && signalAborted(wait.signal)) return Promise.reject(signalReason(wait.signal));
    const deadline = deadlineIn(wait.timeout);
    return this.runAsync(() => this.#take(deadline), wait);
  }

  #timeoutError(timeout: number): MutexTimeoutError {
    const name = Atomics.load(this.words, LIMIT) === UNBOUNDED ? 'Semaphore' : 'BoundedSemaphore';
    return new MutexTimeoutError(
      `could not acquire a permit of ${name} ${timeout === 0 ? 'without waiting' : `within ${timeout} ms`}`);
  }
}

/**
 * Python's `threading.BoundedSemaphore`: a Semaphore whose value may never
 * pass its initial value; a release that would is a SemaphoreOverflowError
 * (Python's ValueError) and changes nothing.
 */
export class BoundedSemaphore extends Semaphore {
  /** @internal */
  protected static override readonly handleType: string = 'bounded-semaphore';
}

/**
 * A permit taken by `permit()` / `permitAsync()`: `using p = sem.permit()`
 * gives it back at scope exit. Releasing twice is a no-op.
 */
export class SemaphorePermit implements Disposable, AsyncDisposable {
  #semaphore: Semaphore | undefined;

  /** @internal */
  constructor(semaphore: Semaphore) {
    this.#semaphore = semaphore;
  }

  /** Whether this permit is still held. */
  get held(): boolean {
    return this.#semaphore !== undefined;
  }

  /**
   * Gives the permit back once; later calls do nothing. Never blocks (but
   * briefly for the internal lock).
   * @throws SemaphoreOverflowError as `release()` (the permit is then still held).
   */
  release(): void {
    const semaphore = this.#semaphore;
    if (semaphore === undefined) return;
    semaphore.release();
    this.#semaphore = undefined;
  }

  [Symbol.dispose](): void {
    this.release();
  }

  /** For `await using p = await sem.permitAsync()`: releases (synchronously). */
  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return Promise.resolve();
  }
}

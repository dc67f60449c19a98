/**
 * What Semaphore, Event and Barrier share: each is written once over a
 * {@link Condition}, as CPython writes them over `threading.Condition`, and
 * keeps its state in the condition's COND_USER words, so that one handle
 * carries everything.
 *
 * Each operation is one generator run holding the condition's lock: it reads
 * and writes the shared words, and yields how long it still wants to wait
 * (ms, or Infinity) whenever it must wait; the driver waits on the condition
 * (a sync `wait()` or an async `waitAsync()`) and sends back whether the
 * waiter was notified. So the sync, timed, non-blocking and async forms of a
 * primitive are one piece of code. Waits are cut in slices: every waiter
 * re-checks the state at least every {@link SYNC_SLICE_MS} (sync) or
 * {@link ASYNC_SLICE_MS} (async), which is how a change nobody could notify
 * (a thread dying) is seen, and why `worker.terminate()` of a waiter is prompt.
 *
 * The lock is the primitive's own. A thread can hold it across a microtask
 * boundary (an async operation between two awaits); a synchronous operation
 * of the same thread that runs in between finds it held by the calling
 * thread and goes ahead without acquiring it: the async one is parked
 * between two steps, each of which leaves the state consistent.
 * @module
 */
import { describeValue } from '../contract/handle';
import { illegalConstructor, invalidArgType, invalidArgValue, invalidThis, outOfRange } from './arg-errors';
import { Condition, type ConditionHandle } from './condition';
import { MutexInvalidHandleError } from './errors';
import { BaseLock } from './lock';
import { defaultLockClass } from './lock-class';
import type { AsyncWait } from './options';
import { Adoptions } from './adoption';

/** Longest blocking wait between two looks at the state (ms): keeps terminate() prompt. */
export const SYNC_SLICE_MS = 50;
/** Longest async wait between two looks at the state (ms). */
export const ASYNC_SLICE_MS = 250;

/**
 * An operation on a primitive: runs holding the condition's lock; yields the
 * ms it still wants to wait (> 0, or Infinity) and receives whether it was
 * notified; returns its result. A wait that failed (an abort, too many
 * waiters) is thrown into it at the yield, so its `finally` blocks run.
 */
export type Operation<R> = Generator<number, R, boolean>;

/** Options every primitive's constructor takes. */
export interface PrimitiveOptions {
  /**
   * The lock of the primitive's condition: a `Mutex`, `AtomicsMutex` (or a
   * recursive one) that nothing else uses. Default: a new `Mutex`.
   */
  lock?: BaseLock;
  /** Most threads (and async waits) that can wait at once. Default 256. */
  maxWaiters?: number;
}

/** The handle fields every primitive has; a primitive may add its own (plain data). */
export interface PrimitiveHandle {
  readonly osMutex: 1;
  /** What the handle is for, e.g. 'semaphore'. */
  readonly type: string;
  /** The condition (with its lock) that holds the primitive's state. */
  readonly condition: ConditionHandle;
}

/** A timeout argument: undefined or Infinity = forever; else ms >= 0. Never blocks. */
export function parseTimeout(timeout: unknown, name = 'timeout'): number {
  if (timeout === undefined) return Infinity;
  if (typeof timeout !== 'number') throw invalidArgType(name, 'of type number', timeout);
  if (Number.isNaN(timeout) || timeout < 0) throw outOfRange(name, '>= 0 (milliseconds) or Infinity', timeout);
  return timeout;
}

/**
 * Reads the named properties of an options object, once each (undefined
 * options: all undefined). Throws Node-style errors; whatever a getter or a
 * Proxy throws becomes ERR_INVALID_ARG_VALUE with it as `cause`.
 */
export function readOptions<K extends string>(options: unknown, names: readonly K[]): Partial<Record<K, unknown>> {
  const out: Partial<Record<K, unknown>> = {};
  if (options === undefined) return out;
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  try {
    for (const name of names) out[name] = (options as Record<K, unknown>)[name];
  } catch (cause) {
    throw invalidArgValue('options', 'could not be read (a getter or Proxy threw)', cause);
  }
  return out;
}

/**
 * A new condition for a primitive from its (already read) `lock` and
 * `maxWaiters` options; its COND_USER words are zero.
 * @throws TypeError / RangeError for a lock that is not one of this library, or a bad maxWaiters.
 */
export function newCondition(lock: unknown, maxWaiters: unknown): Condition {
  if (lock === undefined) {
    const Mutex = defaultLockClass('mutex');
    if (Mutex === undefined) throw invalidArgValue('options.lock', "is required when os-mutex's main entry is not loaded");
    lock = new Mutex();
  } else if (!(lock instanceof BaseLock)) {
    throw invalidArgType('options.lock', 'a Mutex, AtomicsMutex or a recursive one', lock);
  }
  return new Condition(lock as BaseLock, maxWaiters === undefined ? undefined : { maxWaiters: maxWaiters as number });
}

/** The opened condition and frozen handle, from from() to the constructor (see adoption.ts). */
const adoptions = new Adoptions<{ readonly condition: Condition; readonly handle: PrimitiveHandle }>();

/** What a new primitive's constructor makes when it is not adopting a handle. */
export interface NewParts {
  readonly condition: Condition;
  /** The primitive's own handle fields (plain, cloneable data). */
  readonly fields?: Record<string, unknown>;
}

/**
 * Base of the primitives written over a condition. Not constructed directly.
 */
export abstract class ConditionPrimitive {
  readonly #condition: Condition;
  readonly #handle: PrimitiveHandle;

  /** The handle `type` of the class (a subclass inherits its parent's). @internal */
  protected static readonly handleType: string = '';
  /**
   * Reads and checks the class's own handle fields (beyond osMutex, type,
   * condition), each once. @internal
   * @throws MutexInvalidHandleError when they are not what the class makes.
   */
  protected static readHandleFields(handle: Record<string, unknown>): Record<string, unknown> {
    void handle;
    return {};
  }

  /**
   * `create` runs only when a new primitive is made (not when `from()` opens
   * one); it checks the constructor's arguments and makes the condition.
   */
  protected constructor(create: () => NewParts) {
    const adoption = adoptions.take(new.target);
    if (adoption !== undefined) {
      this.#condition = adoption.condition;
      this.#handle = adoption.handle;
      return;
    }
    const type = (new.target as unknown as typeof ConditionPrimitive).handleType;
    if (type === '') throw illegalConstructor('ConditionPrimitive is abstract: construct Semaphore, Event or Barrier');
    const { condition, fields } = create();
    this.#condition = condition;
    this.#handle = Object.freeze({ osMutex: 1, type, condition: condition.handle, ...fields });
  }

  /**
   * The primitive a handle names: the very same one (in any thread), as an
   * object of the class this is called on. Reads each field of `handle`
   * once. Never blocks.
   * @throws MutexInvalidHandleError for anything that is not a handle of this class's type.
   * @throws TypeError (`ERR_INVALID_THIS`) unless called on a primitive class.
   */
  static from<T extends ConditionPrimitive>(this: new (...args: never[]) => T, handle: PrimitiveHandle): T {
    const cls = this as unknown as typeof ConditionPrimitive;
    let type = '';
    try {
      if (typeof cls === 'function' && cls.prototype instanceof ConditionPrimitive) type = cls.handleType;
    } catch {
      // A Proxy whose traps throw is no primitive class.
    }
    if (typeof type !== 'string' || type === '') {
      throw invalidThis('from() must be called on a primitive class, as in Semaphore.from(handle)');
    }
    if (handle === null || typeof handle !== 'object') {
      throw new MutexInvalidHandleError(`not a ${type} handle: ${describeValue(handle)}`);
    }
    let osMutex: unknown;
    let handleType: unknown;
    let conditionHandle: unknown;
    try {
      const h = handle as unknown as Record<string, unknown>;
      osMutex = h.osMutex;
      handleType = h.type;
      conditionHandle = h.condition;
    } catch (cause) {
      throw new MutexInvalidHandleError(`not a ${type} handle: reading its fields threw`, { cause });
    }
    if (osMutex !== 1 || handleType !== type) {
      const what = typeof handleType === 'string' && /^[a-z-]{1,24}$/.test(handleType) ? `a ${handleType}` : 'not a';
      throw new MutexInvalidHandleError(`${what} handle, not a ${type} one: ${describeValue(handle)}`);
    }
    let fields: Record<string, unknown>;
    try {
      fields = cls.readHandleFields(handle as unknown as Record<string, unknown>);
    } catch (cause) {
      if (cause instanceof MutexInvalidHandleError) throw cause;
      throw new MutexInvalidHandleError(`not a ${type} handle: reading its fields threw`, { cause });
    }
    const condition = Condition.from(conditionHandle as ConditionHandle);
    const frozen: PrimitiveHandle = Object.freeze({ osMutex: 1, type, condition: condition.handle, ...fields });
    const primitive = adoptions.offer(this, { condition, handle: frozen }, () => new this());
    if (!(#condition in (primitive as object)) ||
        (primitive as unknown as ConditionPrimitive).#condition !== condition) {
      throw new MutexInvalidHandleError(
        'from(): the subclass constructor did not make the returned object the opened primitive');
    }
    return primitive;
  }

  /** Plain data naming this primitive; `Class.from(handle)` in another thread gives the same one. */
  get handle(): PrimitiveHandle {
    return this.#handle;
  }

  /** The condition holding the state. @internal */
  protected get condition(): Condition {
    return this.#condition;
  }

  /** The condition's shared words (the state is in COND_USER0..2). @internal */
  protected get words(): Int32Array {
    return this.#condition.words;
  }

  /**
   * Runs `fn` holding the lock (acquired here, BLOCKING briefly, unless an
   * async operation of this thread holds it between two steps). @internal
   */
  protected locked<R>(fn: () => R): R {
    const lock = this.#condition.lock;
    if (lock.isOwned()) return fn();
    lock.acquire();
    try {
      return fn();
    } finally {
      // Not held only when a condition wait inside could not re-acquire it
      // (MutexDeadlockError): that error is the one to see.
      if (lock.isOwned()) lock.release();
    }
  }

  /** Runs an operation to its end, BLOCKING the thread while it waits. @internal */
  protected run<R>(operation: () => Operation<R>): R {
    return this.locked(() => {
      const condition = this.#condition;
      const steps = operation();
      let step = steps.next();
      while (!step.done) {
        let notified: boolean;
        try {
          notified = condition.wait(step.value < SYNC_SLICE_MS ? step.value : SYNC_SLICE_MS);
        } catch (error) {
          step = steps.throw(error);
          continue;
        }
        step = steps.next(notified);
      }
      return step.value;
    });
  }

  /**
   * Runs an operation without blocking the event loop: the lock is taken
   * with acquireAsync() and the waits are waitAsync(), which keep the loop
   * alive. An abort rejects with `signal.reason` (while taking the lock:
   * nothing done; while waiting: thrown into the operation). @internal
   */
  protected async runAsync<R>(operation: () => Operation<R>, { signal }: AsyncWait): Promise<R> {
    const condition = this.#condition;
    const lock = condition.lock;
    await lock.acquireAsync(signal === undefined ? undefined : { signal });
    try {
      const steps = operation();
      let step = steps.next();
      while (!step.done) {
        let notified: boolean;
        try {
          const timeout = step.value < ASYNC_SLICE_MS ? step.value : ASYNC_SLICE_MS;
          // Settles holding the lock again, also when it rejects.
          notified = await condition.waitAsync(signal === undefined ? { timeout } : { timeout, signal });
        } catch (error) {
          step = steps.throw(error);
          continue;
        }
        step = steps.next(notified);
      }
      return step.value;
    } finally {
      if (lock.isOwned()) lock.release(); // as in locked()
    }
  }
}

/** Milliseconds left until `deadline` (performance.now() based; Infinity stays Infinity). */
export function remaining(deadline: number): number {
  return deadline === Infinity ? Infinity : deadline - performance.now();
}

/** A deadline `timeout` ms from now. */
export function deadlineIn(timeout: number): number {
  return timeout === Infinity ? Infinity : performance.now() + timeout;
}

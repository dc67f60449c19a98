/**
 * Barrier: Python's `threading.Barrier`, shared by handle across worker
 * threads. Written once over a {@link Condition}: CPython's state machine
 * (filling, draining, resetting, broken) and count live in the condition's
 * shared words.
 *
 * Owner death. A party whose thread dies in wait() breaks the barrier for
 * the others, as Python's abort() would. Nobody can notify for a dead
 * thread, so waiting parties look every wait slice: where the native addon
 * is loaded, a thread dying in a condition wait is counted in the
 * condition's `deaths`, and one dying holding the barrier's lock leaves the
 * lock abandoned; whoever next holds the lock and sees either breaks the
 * barrier. The dead party never leaves, so the barrier then starts a new
 * epoch (in the high bits of the PHASE word): the count starts again from 0,
 * the parties of the old epoch leave with BrokenBarrierError without
 * counting themselves out, and reset() makes the barrier usable again at
 * once.
 * @module
 */
import { inspect } from 'node:util';

import { describeValue } from '../contract/handle';
import { COND_USER0, COND_USER1, COND_USER2 } from '../contract/layout';
import { invalidArgType, invalidArgValue, outOfRange } from './arg-errors';
import {
  ConditionPrimitive, deadlineIn, newCondition, parseTimeout, readOptions, remaining,
  type Operation, type PrimitiveHandle, type PrimitiveOptions,
} from './condition-primitive';
import { BrokenBarrierError, MutexInvalidHandleError } from './errors';
import { parseAsyncOptions, signalAborted, signalReason, type AsyncAcquireOptions } from './options';
import { BaseLock } from './lock';

/** Shared word: `epoch << 2 | state`. */
const PHASE = COND_USER0;
/** Shared word: parties inside wait() in this epoch (Python's `_count`). */
const COUNT = COND_USER1;
/** Shared word: the condition's `deaths` when the barrier last looked. */
const DEATHS_SEEN = COND_USER2;

/** States (Python's 0, 1, -1, -2). */
const FILLING = 0;
const DRAINING = 1;
const RESETTING = 2;
const BROKEN = 3;

const stateOf = (phase: number): number => phase & 3;
const epochOf = (phase: number): number => phase >> 2;
const phaseWord = (epoch: number, state: number): number => (epoch << 2) | state;

/** Most parties a barrier can have (every one but the last waits on the condition). */
export const MAX_PARTIES = 1 << 20;
const DEFAULT_MAX_WAITERS = 256;

/** A barrier's handle: plain, cloneable data; `Barrier.from(handle)` in another thread. */
export interface BarrierHandle extends PrimitiveHandle {
  readonly type: 'barrier';
  readonly parties: number;
  /** wait()'s default timeout (ms; Infinity: none). */
  readonly timeout: number;
  /** Whether the barrier was made with an action (every thread's object must then have one). */
  readonly action: boolean;
}

/** Options of `new Barrier()`. */
export interface BarrierOptions extends PrimitiveOptions {
  /**
   * Called (with no arguments) by the last party to arrive, before any
   * party is released, in that party's thread. A function cannot be sent to
   * another thread: a barrier made with an action must be opened with
   * `Barrier.from(handle, { action })` in every thread, so that whichever
   * thread arrives last has one to run.
   */
  action?: () => void;
  /** Default timeout of wait() / waitAsync() (ms). Default: none. */
  timeout?: number;
  /** Most threads that can wait at once. Default: 256, or twice the parties when more. */
  maxWaiters?: number;
}

/** Options of `Barrier.from()`. */
export interface BarrierFromOptions {
  /** This thread's action: required when the barrier was made with one, not allowed otherwise. */
  action?: () => void;
}

function readParties(parties: unknown): number {
  if (typeof parties !== 'number') throw invalidArgType('parties', 'of type number', parties);
  if (!Number.isInteger(parties) || parties < 1 || parties > MAX_PARTIES) {
    throw outOfRange('parties', `an integer from 1 to ${MAX_PARTIES}`, parties);
  }
  return parties;
}

function readAction(action: unknown): (() => void) | undefined {
  if (action !== undefined && typeof action !== 'function') {
    throw invalidArgType('options.action', 'of type function', action);
  }
  return action as (() => void) | undefined;
}

/**
 * Python's `threading.Barrier`, across worker threads: `parties` threads
 * (or async waits) call wait(), and none goes on until all have. Reusable:
 * the next phase starts once every party of the last one has left.
 */
export class Barrier extends ConditionPrimitive {
  /** @internal */
  protected static override readonly handleType: string = 'barrier';

  /** @internal */
  protected static override readHandleFields(handle: Record<string, unknown>): Record<string, unknown> {
    const { parties, timeout, action } = handle;
    if (typeof parties !== 'number' || !Number.isInteger(parties) || parties < 1 || parties > MAX_PARTIES) {
      throw new MutexInvalidHandleError(`barrier handle with parties ${describeValue(parties)}`);
    }
    if (typeof timeout !== 'number' || !(timeout >= 0)) {
      throw new MutexInvalidHandleError(`barrier handle with timeout ${describeValue(timeout)}`);
    }
    if (typeof action !== 'boolean') {
      throw new MutexInvalidHandleError(`barrier handle with action ${describeValue(action)}`);
    }
    return { parties, timeout, action };
  }

  readonly #parties: number;
  readonly #timeout: number;
  readonly #hasAction: boolean;
  #action: (() => void) | undefined;

  /**
   * A new barrier for `parties` parties. Never blocks.
   * @throws TypeError / RangeError (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`)
   *   unless `parties` is an integer from 1 to {@link MAX_PARTIES}; for a
   *   bad action, timeout, lock or maxWaiters, or options that cannot be read.
   */
  constructor(parties: number, options?: BarrierOptions) {
    let action: (() => void) | undefined;
    super(() => {
      const count = readParties(parties);
      const read = readOptions(options, ['action', 'timeout', 'lock', 'maxWaiters'] as const);
      action = readAction(read.action);
      const timeout = parseTimeout(read.timeout, 'options.timeout');
      const maxWaiters = read.maxWaiters ?? Math.min(MAX_PARTIES, Math.max(DEFAULT_MAX_WAITERS, 2 * count));
      const condition = newCondition(read.lock, maxWaiters);
      return { condition, fields: { parties: count, timeout, action: action !== undefined } };
    });
    const handle = this.handle;
    this.#parties = handle.parties;
    this.#timeout = handle.timeout;
    this.#hasAction = handle.action;
    this.#action = action;
  }

  /**
   * The barrier a handle names (in any thread), with this thread's action.
   * Reads each field of `handle` and `options` once. Never blocks.
   * @throws MutexInvalidHandleError for anything that is not a barrier's handle.
   * @throws TypeError (`ERR_INVALID_ARG_VALUE`) when `action` is missing for
   *   a barrier made with one, or given for one made without.
   */
  static override from<T extends ConditionPrimitive>(
    this: new (...args: never[]) => T, handle: PrimitiveHandle, options?: BarrierFromOptions): T {
    const action = readAction(readOptions(options, ['action'] as const).action);
    const barrier = super.from.call(this, handle) as T;
    if (!(barrier instanceof Barrier)) return barrier;
    if (barrier.#hasAction && action === undefined) {
      throw invalidArgValue('options.action',
        'is required: this barrier was made with an action, and a function cannot be sent to another thread, ' +
        'so every thread passes its own to Barrier.from(handle, { action })');
    }
    if (!barrier.#hasAction && action !== undefined) {
      throw invalidArgValue('options.action', 'cannot be given: this barrier was made without an action');
    }
    barrier.#action = action;
    return barrier;
  }

  override get handle(): BarrierHandle {
    return super.handle as BarrierHandle;
  }

  /** How many parties pass the barrier together. */
  get parties(): number {
    return this.#parties;
  }

  /** How many parties wait in the current phase (a snapshot; 0 while draining, resetting or broken). Never blocks. */
  get nWaiting(): number {
    return stateOf(Atomics.load(this.words, PHASE)) === FILLING ? Atomics.load(this.words, COUNT) : 0;
  }

  /** Whether the barrier is broken (a snapshot; also when a party died and nobody has looked yet). Never blocks. */
  get broken(): boolean {
    const words = this.words;
    return stateOf(Atomics.load(words, PHASE)) === BROKEN ||
      Atomics.load(words, DEATHS_SEEN) !== this.condition.deaths ||
      BaseLock.flaggedAbandoned(this.condition.lock); // a party died holding the lock
  }

  /**
   * Passes the barrier: BLOCKS until `parties` parties have called wait(),
   * or `timeout` ms pass (default: the barrier's timeout). While the
   * parties of the last phase are still leaving, a new arrival first waits
   * for them (without a timeout, as Python).
   * @returns this party's arrival index, 0 to parties - 1 (the last to arrive
   *   gets parties - 1 and runs the action).
   * @throws BrokenBarrierError when the barrier is or becomes broken: the
   *   timeout passed (which breaks it for all), abort(), reset() while
   *   waiting, the action threw (the party that ran it gets the action's
   *   error), a party's thread died in wait().
   * @throws TypeError / RangeError for a bad timeout;
   *   MutexWaitersLimitError when `maxWaiters` threads already wait.
   */
  wait(timeout?: number): number {
    const deadline = deadlineIn(timeout === undefined ? this.#timeout : parseTimeout(timeout));
    return this.run(() => this.#pass(deadline));
  }

  /**
   * wait() without blocking the event loop; keeps the loop alive while
   * pending. `timeout` defaults to the barrier's.
   * @returns a promise of the arrival index; rejects as wait() throws, and
   *   with `signal.reason` on abort: the party leaves again without breaking
   *   the barrier (as a cancelled `asyncio.Barrier.wait()`).
   * @throws TypeError / RangeError (synchronously) for bad options.
   */
  waitAsync(options?: AsyncAcquireOptions): Promise<number> {
    const { timeout, signal } = readOptions(options, ['timeout', 'signal'] as const);
    const wait = parseAsyncOptions({ timeout, signal });
    if (wait.signal !== undefined && signalAborted(wait.signal)) return Promise.reject(signalReason(wait.signal));
    const deadline = deadlineIn(timeout === undefined ? this.#timeout : wait.timeout);
    return this.runAsync(() => this.#pass(deadline), wait);
  }

  /**
   * Returns the barrier to its empty state: parties waiting now get
   * BrokenBarrierError; a broken barrier becomes usable (once the parties
   * in it have left). Never blocks (but briefly for the internal lock).
   */
  reset(): void {
    this.locked(() => {
      this.#noticeDeaths();
      const words = this.words;
      const phase = words[PHASE];
      const state = stateOf(phase);
      if (words[COUNT] > 0) {
        if (state === FILLING || state === BROKEN) Atomics.store(words, PHASE, phaseWord(epochOf(phase), RESETTING));
      } else {
        Atomics.store(words, PHASE, phaseWord(epochOf(phase), FILLING));
      }
      this.condition.notifyAll();
    });
  }

  /**
   * Breaks the barrier: parties waiting now and later get
   * BrokenBarrierError until reset(). Never blocks (but briefly for the
   * internal lock).
   */
  abort(): void {
    this.locked(() => {
      this.#noticeDeaths();
      this.#break();
    });
  }

  [inspect.custom](): string {
    const state = stateOf(Atomics.load(this.words, PHASE));
    const parts = [`parties: ${this.#parties}`];
    if (this.broken) parts.push('broken');
    else if (state === FILLING) parts.push(`waiting: ${Atomics.load(this.words, COUNT)}`);
    else parts.push(state === DRAINING ? 'draining' : 'resetting');
    return `Barrier { ${parts.join(', ')} }`;
  }

  /** Python's Barrier.wait: _enter, count in, _release or _wait, count out, _exit. */
  *#pass(deadline: number): Operation<number> {
    const words = this.words;
    this.#noticeDeaths();
    // _enter: block while the last phase drains or a reset completes.
    for (;;) {
      const state = stateOf(words[PHASE]);
      if (state === FILLING) break;
      if (state === BROKEN) throw new BrokenBarrierError('Barrier is broken: reset() it before waiting on it again');
      yield Infinity;
      this.#noticeDeaths();
    }
    const phase = words[PHASE];
    const index = words[COUNT];
    Atomics.store(words, COUNT, index + 1);
    try {
      if (index + 1 === this.#parties) this.#release(phase);
      else yield* this.#waitForRelease(phase, deadline);
      return index;
    } finally {
      // A new epoch means a party died: the count restarted without us.
      const now = words[PHASE];
      if (epochOf(now) === epochOf(phase)) {
        const count = words[COUNT] - 1;
        Atomics.store(words, COUNT, count);
        // _exit: the last to leave ends draining or resetting.
        if (count === 0 && (stateOf(now) === DRAINING || stateOf(now) === RESETTING)) {
          Atomics.store(words, PHASE, phaseWord(epochOf(now), FILLING));
          this.condition.notifyAll();
        }
      }
    }
  }

  /** _release: the last party runs the action, then lets everyone go. */
  #release(phase: number): void {
    try {
      this.#action?.();
    } catch (error) {
      this.#break();
      throw error;
    }
    Atomics.store(this.words, PHASE, phaseWord(epochOf(phase), DRAINING));
    this.condition.notifyAll();
  }

  /** _wait: until the phase is released (return) or broken, reset or timed out (throw). */
  *#waitForRelease(phase: number, deadline: number): Operation<void> {
    const words = this.words;
    for (;;) {
      const now = words[PHASE];
      if (epochOf(now) !== epochOf(phase)) {
        throw new BrokenBarrierError("Barrier broke while waiting: a party's thread died in wait()");
      }
      const state = stateOf(now);
      if (state === DRAINING) return;
      if (state === RESETTING) throw new BrokenBarrierError('Barrier was reset while waiting');
      if (state === BROKEN) {
        throw new BrokenBarrierError('Barrier broke while waiting (abort(), a timed-out wait or a throwing action)');
      }
      const left = remaining(deadline);
      if (left <= 0) {
        this.#break();
        throw new BrokenBarrierError('Barrier wait timed out; the barrier is now broken for every party');
      }
      yield left;
      this.#noticeDeaths();
    }
  }

  /** _break: broken until reset(); wakes everyone. */
  #break(): void {
    const words = this.words;
    Atomics.store(words, PHASE, phaseWord(epochOf(words[PHASE]), BROKEN));
    this.condition.notifyAll();
  }

  /**
   * Holding the lock: when a thread died waiting on the condition (its
   * `deaths` changed) or holding the lock (abandoned) since the barrier last
   * looked, breaks the barrier in a new epoch with the count at 0.
   */
  #noticeDeaths(): void {
    const words = this.words;
    const deaths = this.condition.deaths;
    if (deaths === words[DEATHS_SEEN] && !this.condition.lock.abandoned) return;
    Atomics.store(words, DEATHS_SEEN, deaths);
    Atomics.store(words, COUNT, 0);
    Atomics.store(words, PHASE, phaseWord(epochOf(words[PHASE]) + 1, BROKEN));
    this.condition.notifyAll();
  }
}

/**
 * Event: Python's `threading.Event`, shared by handle across worker
 * threads. Written once over a {@link Condition} (as CPython writes it): the
 * flag is one of the condition's shared words.
 * @module
 */
import { inspect } from 'node:util';

import { COND_USER0 } from '../contract/layout';
import {
  ConditionPrimitive, deadlineIn, newCondition, parseTimeout, readOptions, remaining,
  type Operation, type PrimitiveHandle, type PrimitiveOptions,
} from './condition-primitive';
import { parseAsyncOptions, signalAborted, signalReason, type AsyncAcquireOptions } from './options';

/** Shared word: the flag, 0 or 1. */
const FLAG = COND_USER0;

/** An event's handle: plain, cloneable data; `Event.from(handle)` in another thread. */
export interface EventHandle extends PrimitiveHandle {
  readonly type: 'event';
}

/** Options of `new Event()`. */
export type EventOptions = PrimitiveOptions;

/**
 * Python's `threading.Event`, across worker threads: a flag that `set()`
 * raises, waking every thread waiting for it, and `clear()` lowers.
 * (Named `Event` as in Python; it is not the DOM's `Event`: import it under
 * another name where both are used.)
 */
export class Event extends ConditionPrimitive {
  /** @internal */
  protected static override readonly handleType: string = 'event';

  /**
   * A new event, flag not set. Never blocks.
   * @throws TypeError / RangeError for bad options (as `Semaphore`).
   */
  constructor(options?: EventOptions) {
    super(() => {
      const { lock, maxWaiters } = readOptions(options, ['lock', 'maxWaiters'] as const);
      return { condition: newCondition(lock, maxWaiters) };
    });
  }

  override get handle(): EventHandle {
    return super.handle as EventHandle;
  }

  /** Whether the flag is set (a snapshot). Never blocks. */
  isSet(): boolean {
    return Atomics.load(this.words, FLAG) !== 0;
  }

  /** Sets the flag and wakes every waiting thread. Never blocks (but briefly for the internal lock). */
  set(): void {
    this.locked(() => {
      Atomics.store(this.words, FLAG, 1);
      this.condition.notifyAll();
    });
  }

  /** Clears the flag: later wait() calls wait until set() again. Never blocks (but briefly for the internal lock). */
  clear(): void {
    this.locked(() => {
      Atomics.store(this.words, FLAG, 0);
    });
  }

  /**
   * BLOCKS until the flag is set, or `timeout` ms pass (default: forever).
   * @returns true when the flag was set, or a set() woke this wait (even if
   *   cleared since, as in Python); false on timeout.
   * @throws TypeError / RangeError for a bad timeout.
   * @throws MutexWaitersLimitError when `maxWaiters` threads already wait.
   */
  wait(timeout?: number): boolean {
    const deadline = deadlineIn(parseTimeout(timeout));
    return this.run(() => this.#waitForFlag(deadline));
  }

  /**
   * wait() without blocking the event loop; keeps the loop alive while
   * pending.
   * @returns a promise of true / false as wait(); rejects with
   *   `signal.reason` on abort.
   * @throws TypeError / RangeError (synchronously) for bad options.
   */
  waitAsync(options?: AsyncAcquireOptions): Promise<boolean> {
    const wait = parseAsyncOptions(options);
    if (wait.signal !== undefined && signalAborted(wait.signal)) return Promise.reject(signalReason(wait.signal));
    const deadline = deadlineIn(wait.timeout);
    return this.runAsync(() => this.#waitForFlag(deadline), wait);
  }

  [inspect.custom](): string {
    const waiting = this.condition.waiting;
    return `Event { ${this.isSet() ? 'set' : 'unset'}${waiting > 0 ? `, waiting: ${waiting}` : ''} }`;
  }

  /** Python's Event.wait: the flag, or whether a set() notified this waiter. */
  *#waitForFlag(deadline: number): Operation<boolean> {
    const words = this.words;
    for (;;) {
      if (words[FLAG] !== 0) return true;
      const left = remaining(deadline);
      if (left <= 0) return false;
      // Only set() notifies (or passes on a notification of a waiter that died).
      if (yield left) return true;
    }
  }
}

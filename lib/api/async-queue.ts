/**
 * The async waiters of one lock object in one thread: a FIFO queue served
 * from the event loop, never blocking it for more than a millisecond.
 *
 * The head waiter tries the lock; when it is held, the backend arranges a
 * wake-up on this thread's event loop after the next release
 * (`RawLock.tryLockOrNotify`), and the queue tries again then. A waiter that
 * keeps losing the released lock to threads waiting synchronously (they
 * react in microseconds, an event loop in more) joins them for a moment: one
 * blocking `lockFor` (natively an OS wait) of at most {@link QUEUE_WAIT_MS},
 * where it takes its turn like any other waiter. So an async waiter is served as fairly as a
 * synchronous one, and the event loop is never blocked for long.
 *
 * Ownership stays with this thread: the lock is taken by this thread itself,
 * never by a helper thread on its behalf. A timed-out or aborted waiter
 * leaves the queue at once and can never be granted afterwards. A granted
 * waiter is resolved before anything else is done for it, so no user code
 * can come between taking the lock and telling the waiter. While any
 * waiter is pending, a ref'd timer keeps the event loop alive
 * (Atomics.waitAsync and Node's Web Locks do not).
 * @module
 */
import type { RawLock } from '../contract/raw-lock';
import { offAbort, onAbort, signalAborted, signalReason, type AsyncWait } from './options';

/** Failed tries of the head waiter before it queues up synchronously. */
const MISSES_BEFORE_QUEUING = 2;
/** Longest delay Node's timers accept (ms). */
const MAX_TIMER_MS = 0x7fffffff;
/** Longest synchronous wait of an async waiter (ms): bounds event-loop blocking. */
export const QUEUE_WAIT_MS = 1;

interface Waiter {
  resolve(acquired: boolean): void;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  misses: number;
}

// One ref'd timer per thread keeps the event loop alive while waiters exist.
let pendingInThread = 0;
let keepAlive: NodeJS.Timeout | undefined;

/** One more pending async wait in this thread: keeps the event loop alive. */
export function addPending(): void {
  if (pendingInThread++ === 0) keepAlive = setInterval(() => {}, 2 ** 30);
}

/** A pending async wait of this thread settled. */
export function removePending(): void {
  if (--pendingInThread === 0) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

export class AsyncQueue {
  readonly #raw: RawLock;
  readonly #onGrant: () => void;
  readonly #waiters: Waiter[] = [];

  /** `onGrant` runs when the lock has just been taken for a waiter (before it is told). */
  constructor(raw: RawLock, onGrant: () => void) {
    this.#raw = raw;
    this.#onGrant = onGrant;
  }

  /**
   * Resolves true once this thread holds the lock for the new waiter, false
   * after `timeout` ms (0: only if free now and nobody of this thread is
   * queued before it); rejects with `signal.reason` on abort. Never blocks.
   */
  wait({ timeout, signal }: AsyncWait): Promise<boolean> {
    if (signal !== undefined && signalAborted(signal)) return Promise.reject(signalReason(signal));
    // Fast path: nobody of this thread is queued and the lock is free.
    if (this.#waiters.length === 0 && this.#raw.tryLock()) {
      this.#onGrant();
      return Promise.resolve(true);
    }
    if (timeout === 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      const waiter: Waiter = { resolve, timer: undefined, signal, onAbort: undefined, misses: 0 };
      if (timeout !== Infinity) {
        // Node may fire a timer a little early, and caps delays at 2^31-1 ms:
        // re-arm for what is left.
        const deadline = performance.now() + timeout;
        const expire = (): void => {
          const left = deadline - performance.now();
          if (left > 0) waiter.timer = setTimeout(expire, Math.min(Math.ceil(left), MAX_TIMER_MS));
          else if (this.#remove(waiter)) resolve(false);
        };
        waiter.timer = setTimeout(expire, Math.min(timeout, MAX_TIMER_MS));
      }
      if (signal !== undefined) {
        waiter.onAbort = () => {
          if (this.#remove(waiter)) reject(signalReason(signal));
        };
        onAbort(signal, waiter.onAbort);
      }
      addPending();
      this.#waiters.push(waiter);
      if (this.#waiters.length === 1) this.#pump();
    });
  }

  /** Serves the queue from its head while the lock can be had; else waits for a wake-up. */
  #pump = (): void => {
    const waiters = this.#waiters;
    while (waiters.length > 0) {
      const head = waiters[0];
      const acquired = this.#raw.tryLockOrNotify(this.#pump) ||
        (++head.misses > MISSES_BEFORE_QUEUING && this.#raw.lockFor(QUEUE_WAIT_MS));
      if (!acquired) return; // a wake-up is arranged
      // Grant and tell first: nothing between taking the lock and resolving
      // can throw or run user code. Then tidy up.
      waiters.shift();
      this.#onGrant();
      head.resolve(true);
      this.#settle(head);
    }
    this.#raw.cancelNotify();
  };

  /** Takes a waiter out of the queue; false when it was already settled. */
  #remove(waiter: Waiter): boolean {
    const index = this.#waiters.indexOf(waiter);
    if (index < 0) return false;
    this.#waiters.splice(index, 1);
    this.#settle(waiter);
    if (this.#waiters.length === 0) this.#raw.cancelNotify();
    else if (index === 0) this.#pump(); // the new head may be grantable now
    return true;
  }

  #settle(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    if (waiter.onAbort !== undefined && waiter.signal !== undefined) offAbort(waiter.signal, waiter.onAbort);
    removePending();
  }
}

/**
 * The yardstick: the smallest correct lock on a SharedArrayBuffer, Drepper's
 * three-state futex mutex ("mutex2": 0 free, 1 held, 2 held with waiters).
 * Acquire is compareExchange(0 -> 1); release is sub(1), and only when the
 * old value was 2 (someone may be parked) does it store 0 and notify one.
 * No owner, no recursion, no checks: what any lock above it costs is overhead.
 *
 * The uncontended benchmark writes these operations out inline in its loop;
 * the contended and handoff scenarios use them through {@link InlineLock}.
 * @module
 */

/** Index of the lock word in its Int32Array. */
const STATE = 0;

/** Contended acquire: mark "waiters" and park until the word was seen free. */
export function lockSlow(state: Int32Array): void {
  let c = Atomics.exchange(state, STATE, 2);
  while (c !== 0) {
    Atomics.wait(state, STATE, 2);
    c = Atomics.exchange(state, STATE, 2);
  }
}

/** Release when the old value was 2: free the word and wake one waiter. */
export function unlockSlow(state: Int32Array): void {
  Atomics.store(state, STATE, 0);
  Atomics.notify(state, STATE, 1);
}

/** The three-state lock as an object with the acquire/release shape of Mutex. */
export class InlineLock {
  readonly state: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)) {
    this.state = new Int32Array(buffer);
  }

  /** The shared memory that is the lock: post it to a worker, `InlineLock.from()` it there. */
  get handle(): SharedArrayBuffer {
    return this.state.buffer as SharedArrayBuffer;
  }

  static from(handle: unknown): InlineLock {
    if (!(handle instanceof SharedArrayBuffer)) throw new TypeError('InlineLock handle must be a SharedArrayBuffer');
    return new InlineLock(handle);
  }

  acquire(): void {
    if (Atomics.compareExchange(this.state, STATE, 0, 1) !== 0) lockSlow(this.state);
  }

  release(): void {
    if (Atomics.sub(this.state, STATE, 1) !== 1) unlockSlow(this.state);
  }
}

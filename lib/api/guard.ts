/**
 * MutexGuard: proof of holding a lock, from `lock()` / `lockAsync()`.
 * @module
 */

/**
 * Proof of holding a lock. `using g = m.lock()` releases at scope exit.
 * Releasing twice is a no-op.
 */
export class MutexGuard implements Disposable, AsyncDisposable {
  #lock: { release(): void } | undefined;
  /** The previous holder died holding the lock (see `BaseLock.abandoned`). */
  readonly abandoned: boolean;

  /** @internal */
  constructor(lock: { release(): void }, abandoned: boolean) {
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

/**
 * The errors os-mutex throws. Every one is a {@link MutexError} with a stable
 * `code`; bad arguments get Node's own `TypeError` / `RangeError` codes
 * (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`,
 * `ERR_INVALID_THIS`, `ERR_ILLEGAL_CONSTRUCTOR`), made in `arg-errors.ts`.
 * Names are literal (not `constructor.name`), so they survive bundling and
 * minifying.
 * @module
 */

/** Every `code` a {@link MutexError} can carry. */
export type MutexErrorCode =
  | 'ERR_MUTEX_DEADLOCK'
  | 'ERR_MUTEX_NOT_OWNER'
  | 'ERR_MUTEX_TIMEOUT'
  | 'ERR_MUTEX_INVALID_HANDLE'
  | 'ERR_MUTEX_RECURSION_LIMIT'
  | 'ERR_MUTEX_UNSUPPORTED'
  | 'ERR_MUTEX_WAITERS_LIMIT'
  | 'ERR_MUTEX_SEMAPHORE_OVERFLOW'
  | 'ERR_MUTEX_BROKEN_BARRIER'
  | 'ERR_MUTEX_ACCESS_DENIED';

/** Base class of every lock error os-mutex throws. */
export class MutexError extends Error {
  readonly code: MutexErrorCode;
  constructor(code: MutexErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
  override get name(): string {
    return 'MutexError';
  }
}

/** Waiting would never end: the caller already holds this plain mutex, or the wait closes a cycle. */
export class MutexDeadlockError extends MutexError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_MUTEX_DEADLOCK', message, options);
  }
  override get name(): string {
    return 'MutexDeadlockError';
  }
}

/** release() by a thread that does not hold the lock. */
export class MutexNotOwnerError extends MutexError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_MUTEX_NOT_OWNER', message, options);
  }
  override get name(): string {
    return 'MutexNotOwnerError';
  }
}

/**
 * lock()/withLock() or lockAsync()/withLockAsync() could not acquire within
 * the timeout (acquire() and acquireAsync() give false instead).
 */
export class MutexTimeoutError extends MutexError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_MUTEX_TIMEOUT', message, options);
  }
  override get name(): string {
    return 'MutexTimeoutError';
  }
}

/** from() was given something that is not a handle to a live lock of this class. */
export class MutexInvalidHandleError extends MutexError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_MUTEX_INVALID_HANDLE', message, options);
  }
  override get name(): string {
    return 'MutexInvalidHandleError';
  }
}

/** A recursive mutex was re-entered more often than its counter can hold. */
export class MutexRecursionLimitError extends MutexError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_MUTEX_RECURSION_LIMIT', message, options);
  }
  override get name(): string {
    return 'MutexRecursionLimitError';
  }
}

/** The lock class cannot run here, e.g. a native class where the native addon did not load. */
export class MutexUnsupportedError extends MutexError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_MUTEX_UNSUPPORTED', message, options);
  }
  override get name(): string {
    return 'MutexUnsupportedError';
  }
}

/** More threads tried to wait on a condition at once than its `maxWaiters`. */
export class MutexWaitersLimitError extends MutexError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_MUTEX_WAITERS_LIMIT', message, options);
  }
  override get name(): string {
    return 'MutexWaitersLimitError';
  }
}

/**
 * A semaphore's release would take its value past what it may hold: a
 * `BoundedSemaphore` past its initial value (Python's `ValueError: Semaphore
 * released too many times`), or any semaphore past 2^31-1. Nothing was changed.
 */
export class SemaphoreOverflowError extends MutexError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_MUTEX_SEMAPHORE_OVERFLOW', message, options);
  }
  override get name(): string {
    return 'SemaphoreOverflowError';
  }
}

/**
 * A `Barrier` is broken, or broke while the caller waited: it was aborted or
 * reset, a wait timed out, the action threw, or a party's thread died in it
 * (Python's `threading.BrokenBarrierError`).
 */
export class BrokenBarrierError extends MutexError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_MUTEX_BROKEN_BARRIER', message, options);
  }
  override get name(): string {
    return 'BrokenBarrierError';
  }
}

/**
 * A named lock belongs to another OS user (or its object was made so that
 * other users could open it): it cannot be opened, held or removed.
 */
export class MutexAccessDeniedError extends MutexError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_MUTEX_ACCESS_DENIED', message, options);
  }
  override get name(): string {
    return 'MutexAccessDeniedError';
  }
}

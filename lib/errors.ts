/**
 * The errors os-mutex throws. Every one is a {@link MutexError} with a stable
 * `code`; bad arguments get Node's own `TypeError` / `RangeError` codes
 * (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`),
 * made in `arg-errors.ts`.
 * @module
 */

/** Every `code` a {@link MutexError} can carry. */
export type MutexErrorCode =
  | 'ERR_MUTEX_DEADLOCK'
  | 'ERR_MUTEX_NOT_OWNER'
  | 'ERR_MUTEX_TIMEOUT'
  | 'ERR_MUTEX_INVALID_HANDLE'
  | 'ERR_MUTEX_RECURSION_LIMIT';

/** Base class of every lock error os-mutex throws. */
export class MutexError extends Error {
  readonly code: MutexErrorCode;
  constructor(code: MutexErrorCode, message: string) {
    super(message);
    this.code = code;
  }
  override get name(): string {
    return this.constructor.name;
  }
}

/** Waiting would never end: the caller already holds this plain mutex (or, later, a wait cycle). */
export class MutexDeadlockError extends MutexError {
  constructor(message: string) {
    super('ERR_MUTEX_DEADLOCK', message);
  }
}

/** release() by a thread that does not hold the lock. */
export class MutexNotOwnerError extends MutexError {
  constructor(message: string) {
    super('ERR_MUTEX_NOT_OWNER', message);
  }
}

/** lock()/withLock() could not acquire within the timeout (acquire() returns false instead). */
export class MutexTimeoutError extends MutexError {
  constructor(message: string) {
    super('ERR_MUTEX_TIMEOUT', message);
  }
}

/** from() was given something that is not a handle to a live lock of this class. */
export class MutexInvalidHandleError extends MutexError {
  constructor(message: string) {
    super('ERR_MUTEX_INVALID_HANDLE', message);
  }
}

/** A recursive mutex was re-entered more often than its counter can hold. */
export class MutexRecursionLimitError extends MutexError {
  constructor(message: string) {
    super('ERR_MUTEX_RECURSION_LIMIT', message);
  }
}

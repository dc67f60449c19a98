/**
 * The small interface every backend implements, and nothing more: a raw,
 * non-recursive lock with an owner word. Everything users see (recursion,
 * guards, options, timeouts, errors, inspect) is written once over it in
 * `mutex.ts`. A new backend is a new file that exports a {@link Backend}.
 * @module
 */

/** Which implementation a lock runs on. */
export type BackendName = 'native' | 'atomics';

/** Plain (non-recursive) or recursive. */
export type LockKind = 'mutex' | 'recursive';

/**
 * Indices into {@link RawLock.meta}, the words every thread sees.
 * OWNER: Node `threadId` of the holder (main thread 0) or {@link NO_OWNER};
 * written by the backend inside tryLock/lockFor/unlock. COUNT: recursion depth,
 * written by the holder only. FLAGS: {@link FLAG_ABANDONED}.
 */
export const OWNER = 0;
export const COUNT = 1;
export const FLAGS = 2;
export const NO_OWNER = -1;
/** Set when a holder died holding the lock; cleared by the next holder's final release. */
export const FLAG_ABANDONED = 1;

/**
 * A handle: plain, structured-clone-safe data naming one lock. Send it with
 * `postMessage` or in `workerData`; `Mutex.from(handle)` in the other thread
 * gives the very same lock.
 */
export interface MutexHandle {
  /** Format marker: 1. */
  readonly osMutex: 1;
  readonly backend: BackendName;
  readonly kind: LockKind;
  /** Native: registry id (never reused). */
  readonly id?: number;
  /** Native: tag of the registry (the process-wide copy of the addon) that issued `id`. */
  readonly tag?: number;
  /** Atomics: the shared memory that is the lock. */
  readonly buffer?: SharedArrayBuffer;
}

/**
 * One raw lock as seen from one thread. The functions are called unbound
 * (`const f = raw.tryLock; f()` must work) and must never throw.
 */
export interface RawLock {
  /** OWNER, COUNT, FLAGS, readable by every thread that has this lock. */
  readonly meta: Int32Array;
  /** Never blocks. True when the caller now holds the lock (OWNER = caller). */
  readonly tryLock: () => boolean;
  /**
   * Blocks the calling thread up to `ms` (finite, >= 0) on a monotonic clock.
   * True when the caller now holds the lock (OWNER = caller). Returns false at
   * once if the caller already holds it (never self-deadlocks).
   */
  readonly lockFor: (ms: number) => boolean;
  /** Never blocks. Clears OWNER, then releases. A no-op unless the caller holds it. */
  readonly unlock: () => void;
  /**
   * For async waiting; never blocks. Takes the lock for the calling thread if
   * it is free (true, OWNER = caller). Otherwise arranges that `wake` runs
   * once on this thread's event loop after a later release, and returns
   * false; a release between the failed try and the arrangement is never
   * missed. Repeated calls do not stack arrangements. Keeps nothing alive.
   */
  readonly tryLockOrNotify: (wake: () => void) => boolean;
  /** Cancels tryLockOrNotify's arrangement. A wake already under way may still run: it must be harmless. */
  readonly cancelNotify: () => void;
  /**
   * Deadlock detection, where the backend can see every thread's waits
   * (native). Called during a wait without a timeout, after it has lasted a
   * while: records the wait and returns the wait cycle through the calling
   * thread, if there is one (its first step is the caller), else undefined.
   */
  readonly findWaitCycle?: () => readonly WaitCycleStep[] | undefined;
  /** The calling thread's wait (recorded by findWaitCycle) is over. */
  readonly endWait?: () => void;
  /** The handle of this lock, frozen. */
  readonly handle: MutexHandle;
  /** Short name for messages, e.g. `#12`. */
  readonly label: string;
}

/** One step of a wait cycle: `thread` waits for `lock`, which the next step's thread holds. */
export interface WaitCycleStep {
  readonly thread: number;
  /** e.g. `Mutex #3` */
  readonly lock: string;
}

/** A backend: makes new raw locks and opens existing ones by handle. */
export interface Backend {
  readonly name: BackendName;
  /** A new unlocked lock. Never blocks. */
  create(kind: LockKind): RawLock;
  /**
   * The lock a handle names. The caller has already checked the handle's
   * shape, backend and kind; this checks what only the backend can (the id is
   * live, the memory is a lock of that kind) and throws
   * `MutexInvalidHandleError` otherwise.
   */
  open(handle: MutexHandle, kind: LockKind): RawLock;
}

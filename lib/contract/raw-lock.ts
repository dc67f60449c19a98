/**
 * What a backend implements, and nothing more: a raw, non-recursive lock
 * with shared owner words. Everything users see (recursion, guards, options,
 * timeouts, errors, inspect, async queues) is written once over it in
 * `lib/api/`. A new backend is one file in `lib/backends/` exporting a
 * {@link Backend}, plus its classes' registration (`defineLockClass`).
 *
 * The shared words ({@link RawLock.meta}) follow `layout.ts`: META_OWNER is
 * the holder's {@link OwnerId} or NO_OWNER, written by the backend inside
 * tryLock/lockFor/unlock; META_COUNT is the recursion depth, written by the
 * holder only; META_FLAGS holds FLAG_ABANDONED.
 * @module
 */
import type { HandleFields, MutexHandle } from './handle';
import type { OwnerId, ProcessOwner } from './owner';

/** Which implementation a lock runs on. */
export type BackendName = 'native' | 'atomics' | 'named';

/** Plain (non-recursive) or recursive. */
export type LockKind = 'mutex' | 'recursive';

/** One step of a wait cycle: `thread` waits for `lock`, which the next step's thread holds. */
export interface WaitCycleStep {
  readonly thread: OwnerId;
  /** e.g. `Mutex #3` */
  readonly lock: string;
}

/**
 * The uncontended path of every lock of a backend, as functions shared by
 * all of them: `ops.tryLock(token)` and `ops.unlock(token)` do what the lock's
 * own tryLock() and unlock() do, for the lock whose {@link RawLock.token} is
 * `token`. The caller keeps the raw lock alive while it uses its token. One
 * table per backend keeps the callers' call sites monomorphic however many
 * locks a program uses. Optional: without it, the lock's own tryLock and
 * unlock are called (`lib/api/lock.ts`).
 */
export interface RawLockOps {
  tryLock(token: unknown): boolean;
  unlock(token: unknown): void;
}

/**
 * One raw lock as seen from one thread. Its functions never throw. tryLock
 * and unlock are called unbound (`const f = raw.tryLock; f()` must work)
 * unless the lock has {@link RawLock.ops}; the others are called as methods
 * of the raw lock (`raw.lockFor(ms)`; plain closures that ignore `this` are
 * fine too).
 */
export interface RawLock {
  /**
   * Optional: the backend's shared table of the uncontended operations
   * (see {@link RawLockOps}), called with {@link RawLock.token}.
   */
  readonly ops?: RawLockOps;
  /** This lock's argument to `ops` (e.g. a small integer). Only with `ops`. */
  readonly token?: unknown;
  /** The shared words (META_OWNER, META_COUNT, META_FLAGS), readable by every thread that has this lock. */
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
   * missed, and no release is lost to a waiter in another thread that is
   * busy or dying. Repeated calls do not stack arrangements. Keeps nothing
   * alive.
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
  /**
   * Locks shared by processes (named): the holder in any process, or null (a
   * snapshot; never blocks). The META_OWNER word then only says whether the
   * calling thread holds it. Absent: META_OWNER names the holder.
   */
  readonly owner?: () => ProcessOwner | null;
  /** The handle of this lock, frozen. */
  readonly handle: MutexHandle;
  /** Short name for messages, e.g. `#12`. */
  readonly label: string;
}

/** A backend: makes new raw locks and opens existing ones by handle. */
export interface Backend {
  readonly name: BackendName;
  /**
   * A new unlocked lock (named: the lock of that name, created if needed).
   * `arg` is the argument the class's constructor passed on (a name), or
   * undefined (Mutex, RecursiveMutex pass none). Never blocks (named: only
   * while another process initialises the same name).
   * @throws MutexUnsupportedError when the backend cannot run in this thread.
   */
  create(kind: LockKind, arg?: unknown): RawLock;
  /**
   * The lock a handle names. The caller has already read the handle's
   * fields once (`readHandle`) and checked its backend and kind; this checks
   * the rest (types of the other fields, the id is live, the memory is a
   * lock of that kind). Never blocks; runs no user code.
   * @throws MutexInvalidHandleError when it names no live lock of `kind`.
   */
  open(handle: HandleFields, kind: LockKind): RawLock;
}

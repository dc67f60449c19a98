// ESM entry of os-mutex: the CommonJS build, re-exported by name (one
// instance of every class, whichever way the package is loaded).
import lib from '../dist/lib/index.js';

export const {
  backend, Mutex, RecursiveMutex, nativeUnavailableReason, AtomicsMutex, AtomicsRecursiveMutex,
  BaseLock, MutexGuard, MAX_RECURSION, MutexError, MutexDeadlockError, MutexNotOwnerError,
  MutexTimeoutError, MutexInvalidHandleError, MutexRecursionLimitError, MutexUnsupportedError,
  MutexWaitersLimitError, SemaphoreOverflowError, BrokenBarrierError, Condition, Semaphore, BoundedSemaphore,
  SemaphorePermit, MAX_SEMAPHORE_VALUE, Event, Barrier, MAX_PARTIES, ReadWriteLock,
  NamedMutex, NamedRecursiveMutex, MutexAccessDeniedError,
} = lib;
export default lib;

// ESM entry of os-mutex/atomics (see esm/index.mjs).
import lib from '../dist/lib/atomics.js';

export const {
  AtomicsMutex, AtomicsRecursiveMutex, MutexError, MutexDeadlockError, MutexNotOwnerError,
  MutexTimeoutError, MutexInvalidHandleError, MutexRecursionLimitError, MutexUnsupportedError,
  MutexWaitersLimitError, SemaphoreOverflowError, BrokenBarrierError, MutexAccessDeniedError,
} = lib;
export default lib;

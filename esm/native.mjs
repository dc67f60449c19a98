// ESM entry of os-mutex/native (see esm/index.mjs).
import lib from '../dist/lib/native.js';

export const {
  available, unavailableReason, Mutex, RecursiveMutex, nativeLockCount, NamedMutex, NamedRecursiveMutex, namedLockCount,
} = lib;
export default lib;

/**
 * `os-mutex/native`: the native classes, always. Where the addon did not
 * load, `available` is false and constructing a class throws
 * `MutexUnsupportedError` (`ERR_MUTEX_UNSUPPORTED`).
 * @module
 */
export { available, unavailableReason, Mutex, RecursiveMutex, nativeLockCount } from './backends/native';
export { NamedMutex, NamedRecursiveMutex, namedLockCount } from './backends/named';

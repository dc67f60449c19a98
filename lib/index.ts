/**
 * os-mutex: operating-system mutexes shared by every worker thread.
 *
 * `Mutex` and `RecursiveMutex` are the native (OS) classes when the addon
 * loads, else the Atomics ones; `backend` says which. This is the only place
 * that decides: nothing else asks which backend it got.
 * @module
 */
import { AtomicsMutex, AtomicsRecursiveMutex } from './atomics';
import type { BackendName } from './backend';
import * as native from './native';

/** `'native'` when the OS-mutex addon loaded, else `'atomics'`. */
export const backend: BackendName = native.available ? 'native' : 'atomics';

/** A plain mutex: pthread_mutex_t / SRWLOCK, or AtomicsMutex when no native binary loads. */
export const Mutex: typeof native.Mutex = native.available ? native.Mutex : AtomicsMutex;
export type Mutex = native.Mutex;

/** A recursive mutex: owner + count over the OS mutex, or AtomicsRecursiveMutex as fallback. */
export const RecursiveMutex: typeof native.RecursiveMutex =
  native.available ? native.RecursiveMutex : AtomicsRecursiveMutex;
export type RecursiveMutex = native.RecursiveMutex;

/** Why the native backend is not in use (undefined when it is). */
export const nativeUnavailableReason: Error | undefined = native.unavailableReason;

export { AtomicsMutex, AtomicsRecursiveMutex };
export { BaseLock, MutexGuard, MAX_RECURSION, type AcquireOptions, type AsyncAcquireOptions } from './mutex';
export type { BackendName, LockKind, MutexHandle } from './backend';
export * from './errors';

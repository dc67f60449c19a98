/**
 * os-mutex: operating-system mutexes shared by every worker thread.
 *
 * `Mutex` and `RecursiveMutex` are the native (OS) classes when the addon
 * loads, else the Atomics ones; `backend` says which. This is the only place
 * that decides: nothing else asks which backend it got.
 * @module
 */
import { AtomicsMutex, AtomicsRecursiveMutex } from './backends/atomics';
import * as native from './backends/native';
import type { BackendName } from './contract/raw-lock';

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
export { BaseLock } from './api/lock';
export { MAX_RECURSION } from './api/recursive';
export { MutexGuard } from './api/guard';
export type { AcquireOptions, AsyncAcquireOptions } from './api/options';
export type { BackendName, LockKind } from './contract/raw-lock';
export type { MutexHandle } from './contract/handle';
export * from './api/errors';

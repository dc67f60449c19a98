/**
 * os-mutex: operating-system mutexes shared by every worker thread.
 *
 * `Mutex` and `RecursiveMutex` are the native (OS) classes when the addon
 * loads, else the Atomics ones; `backend` says which. This is the only place
 * that decides: nothing else asks which backend it got.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';

import { AtomicsMutex, AtomicsRecursiveMutex } from './backends/atomics';
import * as native from './backends/native';
import { NamedMutex, NamedRecursiveMutex } from './backends/named';
import { setDefaultLockClasses } from './api/lock-class';
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

// Primitives that make their own locks (Condition's default lock, Semaphore,
// Event, Barrier) use the classes chosen here.
setDefaultLockClasses({ mutex: Mutex, recursive: RecursiveMutex });

/** Why the native backend is not in use (undefined when it is). */
export const nativeUnavailableReason: Error | undefined = native.unavailableReason;

/**
 * The warning's code; `node --disable-warning=OS_MUTEX_NATIVE_UNAVAILABLE`
 * silences it, as does choosing the Atomics backend with
 * OS_MUTEX_BACKEND=atomics (then there is nothing to warn about).
 */
const FALLBACK_WARNING = 'OS_MUTEX_NATIVE_UNAVAILABLE';
/** Set once the warning was given, so that workers started afterwards do not repeat it. */
const WARNED_MARK = 'OS_MUTEX_NATIVE_UNAVAILABLE_WARNED';

/** The last `os-mutex-build` outcome (scripts/install.js writes it), in a few words, or ''. */
function lastBuildOutcome(): string {
  if (typeof __dirname !== 'string') return '';
  try {
    const file = path.resolve(__dirname, '..', '..', 'build', 'os-mutex-build.json');
    const outcome = JSON.parse(fs.readFileSync(file, 'utf8')) as { status?: string; reason?: string; at?: string };
    return ` The last \`os-mutex-build\` (${outcome.at}) ${outcome.status === 'failed' ? `failed: ${outcome.reason}` : `said: ${outcome.status}`}.`;
  } catch {
    return '';
  }
}

// Falling back to Atomics is never silent (unless asked for): one warning,
// normally once per process (workers inherit the mark through process.env).
if (!native.available && process.env.OS_MUTEX_BACKEND !== 'atomics' && !process.env[WARNED_MARK]) {
  process.env[WARNED_MARK] = '1';
  const reason = String(native.unavailableReason?.message ?? 'unknown').split('\n')[0].trim();
  process.emitWarning(
    `os-mutex: the native addon is not available (${reason}), so Mutex and RecursiveMutex are the ` +
    `pure-Atomics ones (same API, no OS mutex).${lastBuildOutcome()} Run \`npx os-mutex-build\` to build ` +
    'the addon from source (a C++17 compiler, make and python3), or set OS_MUTEX_BACKEND=atomics to choose ' +
    'the Atomics backend without this warning.',
    { code: FALLBACK_WARNING, detail: native.unavailableReason?.message });
}

export { AtomicsMutex, AtomicsRecursiveMutex };
/** Machine-wide locks shared by name between processes (native addon only; else constructing one throws). */
export { NamedMutex, NamedRecursiveMutex };
export type { ProcessOwner } from './contract/owner';
export { BaseLock } from './api/lock';
export { MAX_RECURSION } from './api/recursive';
export { MutexGuard } from './api/guard';
export { Condition, type ConditionHandle, type ConditionOptions } from './api/condition';
export {
  Semaphore, BoundedSemaphore, SemaphorePermit, MAX_SEMAPHORE_VALUE, type SemaphoreHandle, type SemaphoreOptions,
} from './api/semaphore';
export { Event, type EventHandle, type EventOptions } from './api/event';
export { Barrier, MAX_PARTIES, type BarrierHandle, type BarrierOptions, type BarrierFromOptions } from './api/barrier';
export type { PrimitiveHandle, PrimitiveOptions } from './api/condition-primitive';
export { ReadWriteLock, type ReadWriteLockHandle, type ReadWriteLockOptions } from './api/rwlock';
export type { AcquireOptions, AsyncAcquireOptions } from './api/options';
export type { BackendName, LockKind } from './contract/raw-lock';
export type { MutexHandle } from './contract/handle';
export * from './api/errors';

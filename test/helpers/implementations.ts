/**
 * The one list of lock classes the conformance suite runs against. A test
 * written once in conformance/*.test.ts runs for every entry; a new backend
 * adds its classes here and nowhere else.
 */
import { AtomicsMutex, AtomicsRecursiveMutex } from '../../lib/atomics';
import type { BaseLock } from '../../lib/index';
import type { MutexHandle } from '../../lib/index';
import * as native from '../../lib/native';

export interface LockClass {
  new (): BaseLock & { count?: number };
  from(handle: MutexHandle): BaseLock & { count?: number };
  readonly name: string;
}

export interface Implementation {
  /** Class name, also how a worker finds the class (see fixtures/lock-worker.ts). */
  readonly name: string;
  readonly Lock: LockClass;
  readonly recursive: boolean;
  readonly backend: 'native' | 'atomics';
  /**
   * Whether a lock held by a thread that dies is released: always for native
   * locks; for Atomics ones where the native addon is loaded (its cleanup
   * hook does it), so not under OS_MUTEX_BACKEND=atomics.
   */
  readonly recoversDeadOwner: boolean;
}

const all: Implementation[] = [
  { name: 'Mutex', Lock: native.Mutex, recursive: false, backend: 'native', recoversDeadOwner: true },
  { name: 'RecursiveMutex', Lock: native.RecursiveMutex, recursive: true, backend: 'native', recoversDeadOwner: true },
  { name: 'AtomicsMutex', Lock: AtomicsMutex, recursive: false, backend: 'atomics', recoversDeadOwner: native.available },
  {
    name: 'AtomicsRecursiveMutex', Lock: AtomicsRecursiveMutex, recursive: true, backend: 'atomics',
    recoversDeadOwner: native.available,
  },
];

/**
 * The implementations available in this process. The native ones are left out
 * only when OS_MUTEX_BACKEND=atomics asks for it (the fallback run); a native
 * build that fails to load otherwise is an error, not a silent skip.
 */
export const IMPLEMENTATIONS: readonly Implementation[] = (() => {
  if (process.env.OS_MUTEX_BACKEND === 'atomics') return all.filter((impl) => impl.backend === 'atomics');
  if (!native.available) {
    throw new Error(`the native addon did not load: ${native.unavailableReason?.message}. ` +
      'Build it (npm run build:native) or set OS_MUTEX_BACKEND=atomics');
  }
  return all;
})();

export function implementation(name: string): Implementation {
  const impl = all.find((candidate) => candidate.name === name);
  if (impl === undefined) throw new Error(`unknown implementation ${name}`);
  return impl;
}

/**
 * The one list of lock implementations every scenario compares, side by side.
 * Scenarios and workers refer to an implementation by `id` only; a worker
 * looks it up here and creates or opens its lock through `create`/`open`.
 *
 * The native classes are imported from lib/native (not the falling-back
 * lib/index) so that a "Mutex (native)" row is never silently the Atomics
 * backend: when the addon does not load, native rows are skipped with the
 * reason printed.
 * @module
 */
import { AtomicsMutex, AtomicsRecursiveMutex } from '../lib/atomics';
import * as native from '../lib/native';
import { InlineLock } from './inline-lock';

/** What a benchmark loop needs of a lock. The lib classes and InlineLock both fit. */
export interface BenchLock {
  acquire(): unknown;
  release(): void;
  /** Structured-clone-safe; `open(handle)` in another thread gives the same lock. */
  readonly handle: unknown;
  /** The guard form, `using g = m.lock()`; absent on the yardstick. */
  lock?(): Disposable & { release(): void };
}

export type ImplementationId = 'native' | 'native-recursive' | 'atomics' | 'atomics-recursive' | 'inline';

export interface Implementation {
  readonly id: ImplementationId;
  /** Row label in tables and charts. */
  readonly label: string;
  /** May its holder acquire it again (recursion-depth benchmark)? */
  readonly recursive: boolean;
  /** The inline three-state Atomics loop: the floor every ratio is taken against. */
  readonly yardstick: boolean;
  /** Why it cannot run in this process, or undefined when it can. */
  readonly unavailable: string | undefined;
  /** A new, free lock. */
  create(): BenchLock;
  /** The lock that `handle` (from `create().handle`, maybe in another thread) names. */
  open(handle: unknown): BenchLock;
}

const nativeReason = native.available
  ? undefined
  : `native addon not loaded: ${native.unavailableReason?.message ?? 'unknown reason'}`;

/** The library's lock classes, as compared here. */
type LibraryClass =
  typeof native.Mutex | typeof native.RecursiveMutex | typeof AtomicsMutex | typeof AtomicsRecursiveMutex;

/** An implementation row for one of the library's classes. */
function library(
  id: ImplementationId, label: string, Lock: LibraryClass, recursive: boolean, unavailable: string | undefined,
): Implementation {
  return {
    id, label, recursive, yardstick: false, unavailable,
    create: () => new Lock(),
    open: (handle) => Lock.from(handle as native.Mutex['handle']),
  };
}

export const IMPLEMENTATIONS: readonly Implementation[] = [
  library('native', 'Mutex (native)', native.Mutex, false, nativeReason),
  library('native-recursive', 'RecursiveMutex (native)', native.RecursiveMutex, true, nativeReason),
  library('atomics', 'AtomicsMutex', AtomicsMutex, false, undefined),
  library('atomics-recursive', 'AtomicsRecursiveMutex', AtomicsRecursiveMutex, true, undefined),
  {
    id: 'inline',
    label: 'inline 3-state Atomics',
    recursive: false,
    yardstick: true,
    unavailable: undefined,
    create: () => new InlineLock(),
    open: (handle) => InlineLock.from(handle),
  },
];

/** The implementations that can run here, in table order. */
export function availableImplementations(): Implementation[] {
  return IMPLEMENTATIONS.filter((impl) => impl.unavailable === undefined);
}

/** Looks an implementation up by id (workers receive ids, not objects). */
export function implementationById(id: string): Implementation {
  const impl = IMPLEMENTATIONS.find((candidate) => candidate.id === id);
  if (impl === undefined) throw new Error(`unknown implementation id ${JSON.stringify(id)}`);
  return impl;
}

/** The implementations that cannot run here, with why: printed as skipped rows. */
export function unavailableNotes(): string[] {
  return IMPLEMENTATIONS.filter((impl) => impl.unavailable !== undefined)
    .map((impl) => `${impl.label}: skipped, ${impl.unavailable}`);
}

let lastKept: BenchLock | undefined;

/**
 * Call after the workers that use `lock` are gone: the parent must keep its
 * lock object referenced that long, since a native lock lives only while
 * some object in some thread refers to it.
 */
export function keepAlive(lock: BenchLock): void {
  lastKept = lock;
  lastKept = undefined;
}

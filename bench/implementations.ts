/**
 * The one list of lock implementations every scenario compares, side by side.
 * Scenarios and workers refer to an implementation by `id` only; a worker
 * looks it up here and creates or opens its lock through `create`/`open`.
 *
 * The native classes are imported from lib/native (not the falling-back
 * lib/index) so that a "Mutex (native)" row is never silently the Atomics
 * backend: when the addon does not load, native rows are skipped with the
 * reason printed.
 *
 * Baseline rows (`run.js --baseline DIR`): when OS_MUTEX_BENCH_BASELINE names
 * a built checkout of another commit of os-mutex, its `Mutex (native)` and
 * `AtomicsMutex` join the list as `native@base` / `atomics@base`, each right
 * after its current-tree twin. run.ts sets the variable; worker threads and
 * child processes inherit it, so they find the same rows by id. The baseline
 * is loaded (its native.js and atomics.js, as the current tree's both are)
 * only where a baseline row is used; its addon is a separate copy with its
 * own lock table, and each row uses only its own tree's classes.
 * @module
 */
import path from 'node:path';

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

export type ImplementationId =
  'native' | 'native-recursive' | 'atomics' | 'atomics-recursive' | 'inline' | 'native@base' | 'atomics@base';

/**
 * Not an implementation: the id of the contended scenario's lock-free row
 * (each worker loops on its own array; scenarios/contended.ts).
 */
export const NO_LOCK = 'no-lock';

/** Names the baseline checkout (a folder with dist/lib and build/ built); set by run.ts `--baseline`. */
export const BASELINE_ENV = 'OS_MUTEX_BENCH_BASELINE';

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

/** What a row needs of a lock class: this tree's classes and the baseline's both fit. */
interface LockClass {
  new (): BenchLock;
  from(handle: unknown): BenchLock;
}

/** An implementation row for one of the library's classes. */
function library(
  id: ImplementationId, label: string, Lock: LockClass, recursive: boolean, unavailable: string | undefined,
): Implementation {
  return {
    id, label, recursive, yardstick: false, unavailable,
    create: () => new Lock(),
    open: (handle) => Lock.from(handle),
  };
}

/** This tree's rows, in table order. */
const CURRENT: readonly Implementation[] = [
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

/** What the baseline's dist/lib/native.js and atomics.js export, as used here. */
interface BaselineModules {
  native: { available: boolean; unavailableReason?: Error; Mutex: LockClass };
  atomics: { AtomicsMutex: LockClass };
}

/**
 * The baseline's rows, keyed by the id of the current-tree twin they follow.
 * Its modules are required on first use of a row (`unavailable`, `create`,
 * `open`), so workers of current-tree rows never load them.
 */
function baselineRows(dir: string): Map<ImplementationId, Implementation> {
  let loaded: { modules?: BaselineModules; error?: string } | undefined;
  const load = (): { modules?: BaselineModules; error?: string } => {
    if (loaded === undefined) {
      try {
        /* eslint-disable @typescript-eslint/no-require-imports */
        loaded = { modules: {
          native: require(path.join(dir, 'dist', 'lib', 'native.js')) as BaselineModules['native'],
          atomics: require(path.join(dir, 'dist', 'lib', 'atomics.js')) as BaselineModules['atomics'],
        } };
        /* eslint-enable @typescript-eslint/no-require-imports */
      } catch (error) {
        loaded = { error: `baseline ${dir} did not load: ${(error as Error).message.split('\n')[0]}` };
      }
    }
    return loaded;
  };
  const row = (id: ImplementationId, label: string, pick: (m: BaselineModules) => LockClass,
    reason: (m: BaselineModules) => string | undefined): Implementation => ({
    id, label, recursive: false, yardstick: false,
    get unavailable() {
      const { modules, error } = load();
      return error ?? reason(modules!);
    },
    create: () => new (pick(load().modules!))(),
    open: (handle) => pick(load().modules!).from(handle),
  });
  return new Map([
    ['native', row('native@base', 'Mutex (native) @base', (m) => m.native.Mutex, (m) => m.native.available
      ? undefined
      : `baseline native addon not loaded: ${m.native.unavailableReason?.message ?? 'unknown reason'}`)],
    ['atomics', row('atomics@base', 'AtomicsMutex @base', (m) => m.atomics.AtomicsMutex, () => undefined)],
  ]);
}

let all: readonly Implementation[] | undefined;

/**
 * Every row, in table order: this tree's, each followed by its baseline twin
 * when {@link BASELINE_ENV} names a baseline (read on the first call).
 */
export function implementations(): readonly Implementation[] {
  if (all === undefined) {
    const dir = process.env[BASELINE_ENV];
    const twins = dir ? baselineRows(dir) : new Map<ImplementationId, Implementation>();
    all = CURRENT.flatMap((impl) => [impl, ...(twins.has(impl.id) ? [twins.get(impl.id)!] : [])]);
  }
  return all;
}

/** The implementations that can run here, in table order. */
export function availableImplementations(): Implementation[] {
  return implementations().filter((impl) => impl.unavailable === undefined);
}

/** Looks an implementation up by id (workers receive ids, not objects). */
export function implementationById(id: string): Implementation {
  const impl = implementations().find((candidate) => candidate.id === id);
  if (impl === undefined) throw new Error(`unknown implementation id ${JSON.stringify(id)}`);
  return impl;
}

/** The implementations that cannot run here, with why: printed as skipped rows. */
export function unavailableNotes(): string[] {
  return implementations().filter((impl) => impl.unavailable !== undefined)
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

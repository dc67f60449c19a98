/**
 * The named-lock classes as the tests use them, from the package's main
 * entry (lib/index.ts), with the other-process helpers every named test
 * shares: unique names, where Linux keeps the object, how slow this platform is.
 */
import fs from 'node:fs';

import * as lib from '../../lib/index';
import type { MutexGuard } from '../../lib/index';

/** What the tests use of NamedMutex / NamedRecursiveMutex. */
export interface NamedLock {
  readonly name: string;
  readonly backend: string;
  readonly handle: NamedHandle;
  readonly owner: { pid: number; threadId: number } | null;
  readonly abandoned: boolean;
  readonly count?: number;
  acquire(options?: { blocking?: boolean; timeout?: number }): boolean;
  tryAcquire(): boolean;
  release(): void;
  locked(): boolean;
  isOwned(): boolean;
  lock(options?: { blocking?: boolean; timeout?: number }): MutexGuard;
  withLock<T>(fn: () => T): T;
  acquireAsync(options?: { timeout?: number; signal?: AbortSignal }): Promise<boolean>;
  withLockAsync<T>(fn: () => T | Promise<T>, options?: { timeout?: number; signal?: AbortSignal }): Promise<T>;
}

export interface NamedHandle {
  osMutex: 1;
  backend: 'named';
  kind: string;
  name: string;
  user: unknown;
}

export interface NamedLockClass {
  new (name: string): NamedLock;
  from(handle: unknown): NamedLock;
  remove(name: string): boolean;
  readonly name: string;
}

const exported = lib as unknown as Record<string, unknown>;
export const NamedMutex = exported.NamedMutex as NamedLockClass;
export const NamedRecursiveMutex = exported.NamedRecursiveMutex as NamedLockClass;

export type NamedKind = 'NamedMutex' | 'NamedRecursiveMutex';
export const NAMED_KINDS: readonly NamedKind[] = ['NamedMutex', 'NamedRecursiveMutex'];

export function namedClass(kind: NamedKind): NamedLockClass {
  return kind === 'NamedMutex' ? NamedMutex : NamedRecursiveMutex;
}

/** True when this run has named locks: the native backend, on a build that exports them. */
export const NAMED_AVAILABLE = process.env.OS_MUTEX_BACKEND !== 'atomics' && typeof NamedMutex === 'function';

/**
 * How much slower than x64 Linux this platform runs the tests: 10 under
 * emulation (the linux-arm64 leg under qemu sets OS_MUTEX_EMULATED_EXEC_PATH;
 * the win32 leg runs under Wine), or OS_MUTEX_SLOW_PLATFORM when set to a
 * number. Iteration counts are divided by it, bounds that are not the
 * feature's own are multiplied by it.
 */
export const SLOW: number = (() => {
  const asked = Number(process.env.OS_MUTEX_SLOW_PLATFORM);
  if (Number.isFinite(asked) && asked >= 1) return asked;
  if (process.env.OS_MUTEX_EMULATED_EXEC_PATH || process.platform === 'win32') return 10;
  return 1;
})();

/** `n` scaled down on a slow platform, never below `min`. */
export function scaled(n: number, min = 1): number {
  return Math.max(min, Math.round(n / SLOW));
}

let counter = 0;
/** A name no other test run uses: this process's pid, the time, a counter. */
export function uniqueName(tag: string): string {
  return `osm-test.${tag}.${process.pid}.${Date.now().toString(36)}.${counter++}`;
}

/** The effective user id on POSIX (the `<euid>` of the object's name), else undefined. */
export const EUID: number | undefined = typeof process.geteuid === 'function' ? process.geteuid() : undefined;

/** Where Linux keeps the named lock `name` of this user. */
export function shmPath(name: string, euid = EUID): string {
  return `/dev/shm/os-mutex.${euid}.${name}`;
}

/** Every os-mutex object in /dev/shm (Linux), sorted; [] elsewhere. */
export function shmObjects(): string[] {
  if (process.platform !== 'linux') return [];
  return fs.readdirSync('/dev/shm').filter((entry) => entry.startsWith('os-mutex.')).sort();
}

/** Removes named locks made by a test, ignoring names that are already gone or invalid. */
export function removeAll(names: Iterable<string>): void {
  for (const name of names) {
    for (const Lock of [NamedMutex, NamedRecursiveMutex]) {
      try {
        Lock.remove(name);
      } catch {
        // already removed, or the test's point was that the name is invalid
      }
    }
  }
}

/**
 * The named-lock classes as the tests use them, from the package's main
 * entry (lib/index.ts), with the other-process helpers every named test
 * shares: unique names, where Linux keeps the object, how slow this platform is.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import * as lib from '../../lib/index';

/** An instance of either named class (`count` is the recursive one's). */
export type NamedLock = (lib.NamedMutex | lib.NamedRecursiveMutex) & { readonly count?: number };

/** Either named class, as the tests call it: from() takes whatever a test passes (parsed JSON). */
export interface NamedLockClass {
  new (name: string): NamedLock;
  from(handle: unknown): NamedLock;
  remove(name: string): boolean;
}

export const { NamedMutex, NamedRecursiveMutex } = lib;

export type NamedKind = 'NamedMutex' | 'NamedRecursiveMutex';
export const NAMED_KINDS: readonly NamedKind[] = ['NamedMutex', 'NamedRecursiveMutex'];

export function namedClass(kind: NamedKind): NamedLockClass {
  return (kind === 'NamedMutex' ? NamedMutex : NamedRecursiveMutex) as unknown as NamedLockClass;
}

/** Under qemu user-mode emulation: the linux-arm64 leg of test:platforms sets OS_MUTEX_EMULATED_EXEC_PATH. */
export const EMULATED_USER_MODE = Boolean(process.env.OS_MUTEX_EMULATED_EXEC_PATH);

/**
 * qemu-user does not implement set_robust_list (ENOSYS, seen with
 * `qemu-aarch64 -strace`): the host kernel never learns of the emulated
 * process's robust mutexes, so a process that dies holding one leaves it
 * locked there. Tests of a process dying holding the lock skip under it; the
 * death of a thread (the addon's cleanup hook) and everything else still run.
 */
export const NO_ROBUST_FUTEX = EMULATED_USER_MODE;

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
  if (EMULATED_USER_MODE || process.platform === 'win32') return 10;
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

/**
 * Where the tests keep the files their processes update under the lock: on
 * Linux /dev/shm (tmpfs), elsewhere the OS temp folder. On this project's
 * machines /tmp is ext4, where a readFileSync + writeFileSync of a small
 * file took ~880 µs against ~14 µs on tmpfs: 40,000 locked updates would
 * measure the disk, not the lock.
 */
export function testFile(tag: string, content: string): string {
  const dir = process.platform === 'linux' && fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const file = path.join(dir, `${uniqueName(tag)}.txt`);
  fs.writeFileSync(file, content);
  return file;
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

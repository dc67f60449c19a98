/**
 * The named backend: machine-wide locks that separate processes of one OS
 * user share by name (`new NamedMutex('billing-db')`), freed by the kernel
 * when their holder dies, even by SIGKILL, whose next holder sees
 * `abandoned === true`. Built on the native addon (native/core/named_lock.*,
 * native/platform/process_mutex_*): Linux, a robust process-shared pthread
 * mutex in a POSIX shared-memory object; Windows, a named kernel mutex;
 * macOS, a kernel file lock. Without the addon the classes exist but
 * constructing one throws `MutexUnsupportedError`.
 *
 * Threads of one process share a name's lock with per-thread ownership, as
 * `Mutex`. All objects of one name in one thread share that thread's
 * ownership record (the shared words the addon keeps per thread and name,
 * returned with the name's anchor), so a second object of a name in the
 * thread that holds it sees that it is held by this thread.
 *
 * The shared object outlives its last user on purpose: removing it while
 * another process opens it would split the lock. `NamedMutex.remove(name)`
 * removes it; only a name that no process uses may be removed. What it is:
 * - Linux: one POSIX shared-memory object, `/dev/shm/os-mutex.<euid>.<name>`
 *   (what `shm_open('/os-mutex.<euid>.<name>')` names), mode 0600, of
 *   NAMED_OBJECT_BYTES (128) bytes; tmpfs rounds its memory up to a page.
 * - macOS: `$TMPDIR/os-mutex.<euid>/<name>.lock` (directory 0700, file 0600,
 *   128 bytes). The file system may ignore case: names that differ only in
 *   case can then name one lock.
 * - Windows: kernel objects `Local\os-mutex.<user SID>.<name>` (a mutex, a
 *   128-byte paging-file mapping and a semaphore), which the kernel removes
 *   with their last handle: there is nothing to remove.
 *
 * Owner death: a process that dies holding the lock (exit, uncaught
 * exception, `process.exit()`, SIGKILL) releases it through the kernel; a
 * worker thread that exits or is terminated holding it releases it as it
 * ends. The next holder sees `abandoned === true`. A thread blocked in
 * acquire() in another process gets it at once (Linux, Windows) or within
 * about a millisecond (macOS, which retries its file lock every millisecond).
 * An async waiter's process hears a release at once (a futex / semaphore
 * wakes its watcher thread; macOS: polled every millisecond), but a holder
 * that dies never releases: the watcher looks for a dead holder every 50 ms,
 * so an async waiter learns of a death within about 50 ms plus its event
 * loop's delay.
 *
 * `count` (NamedRecursiveMutex) is known to the holding thread; other
 * threads and processes see 0.
 * @module
 */
import {
  KIND_MUTEX, KIND_RECURSIVE, META_OWNER, META_WORDS, NAMED_ARM, NAMED_DISARM, NAMED_LOCK_FOR, NAMED_NAME_MAX,
  NAMED_OPEN_ACCESS_DENIED, NAMED_OPEN_INCOMPATIBLE, NAMED_OPEN_IS_MUTEX, NAMED_OPEN_IS_RECURSIVE, NAMED_OWNER,
  NO_OWNER,
} from '../contract/layout';
import { describeValue, type MutexHandle } from '../contract/handle';
import type { ProcessOwner } from '../contract/owner';
import type { Backend, LockKind, RawLock, RawLockOps } from '../contract/raw-lock';
import { invalidArgType, invalidArgValue, outOfRange } from '../api/arg-errors';
import {
  MutexAccessDeniedError, MutexError, MutexInvalidHandleError, MutexUnsupportedError,
} from '../api/errors';
import { BaseMutex } from '../api/lock';
import { defineLockClass } from '../api/lock-class';
import { BaseRecursiveMutex } from '../api/recursive';
import { sweepAfterGc } from '../services/gc-sweep';
import { nativeAddon, nativeAddonUnavailableReason } from '../services/native-addon';

/** A name as the addon gives it to this thread (native/napi/named_functions.cc). */
interface NamedAnchor {
  /** The name's id in this process: what the wake handler is called with. */
  readonly id: number;
  /** This thread's entry of the name in the addon: namedOp()'s first argument, the raw lock's token. */
  readonly slot: number;
  /** This thread's ownership record of the name (META_* words). */
  readonly words: Int32Array;
}

/** The named-lock exports of the addon (native/napi/named_functions.cc). */
interface NamedBinding {
  namedOpen(name: string, kind: number, words: Int32Array): NamedAnchor | [number, string];
  /** Where namedTryLock()/namedUnlock() read their slot: a word of shared memory. */
  namedSetSlotWord(words: Int32Array): void;
  /** Never blocks. NAMED_TRY on the slot in the slot word: the receiver when taken, else undefined. */
  namedTryLock(): object | undefined;
  /** Never blocks. NAMED_UNLOCK on the slot in the slot word. */
  namedUnlock(): void;
  /** NAMED_TRY / NAMED_LOCK_FOR (BLOCKS up to ms): boolean; NAMED_OWNER: [pid, threadId] | undefined. */
  namedOp(slot: number, op: number, ms?: number): unknown;
  namedRemove(name: string): number | [number, string];
  namedUser(): number | string;
  namedSetWakeHandler(handler: (id: number) => void): void;
  namedCount(): number;
  /**
   * Frees now this thread's entries of names whose objects were all
   * collected and whose lock it does not hold; returns its entries left.
   * Never blocks beyond short native mutexes (and the end of a freed name's
   * watcher thread, told to stop).
   */
  namedSweep(): number;
}

const KIND_CODE: Record<LockKind, number> = { mutex: KIND_MUTEX, recursive: KIND_RECURSIVE };
const CLASS_OF_KIND: Record<LockKind, string> = { mutex: 'NamedMutex', recursive: 'NamedRecursiveMutex' };
const META_BYTES = META_WORDS * Int32Array.BYTES_PER_ELEMENT;
const NAME_CHARACTERS = /^[A-Za-z0-9._-]*$/;

/**
 * Async wake-ups of this thread, by name id: the addon wakes this thread
 * once per arming after a release in any process; every object of this
 * thread waiting on that name hears it.
 */
const wakeTargets = new Map<number, Set<() => void>>();

function dispatchWake(id: number): void {
  const targets = wakeTargets.get(id);
  if (targets === undefined) return;
  wakeTargets.delete(id);
  for (const wake of targets) wake();
}

let binding: NamedBinding | undefined;
let namedOps: RawLockOps;
let user: number | string;

/**
 * The addon frees the entry of a name whose objects in this thread were
 * all collected (closing this process's view of the OS object when no
 * other thread has it open) when the thread next opens a new name and its
 * entries have reached twice what its last prune kept (at least 64). So
 * that a program that opens a few names and drops them does not keep them
 * open, the entries are also swept after a garbage collection
 * (`services/gc-sweep.ts`).
 */
const armSweep = sweepAfterGc(() => binding?.namedSweep() ?? 0);

/**
 * The uncontended path of every named lock of this thread, as the native
 * backend's: the slot goes into the addon's named slot word, then one
 * argument-less native call (no argument conversion in Node-API). One pair
 * of functions for every named lock, so BaseLock's call sites stay
 * monomorphic.
 */
function makeOps(b: NamedBinding): RawLockOps {
  const slotWord = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  b.namedSetSlotWord(slotWord);
  return Object.freeze({
    tryLock: (slot: unknown): boolean => {
      slotWord[0] = slot as number;
      return b.namedTryLock() !== undefined; // called on `b`: the receiver it returns is an object
    },
    unlock: (slot: unknown): void => {
      slotWord[0] = slot as number;
      b.namedUnlock();
    },
  });
}

/** The addon's named-lock functions in this thread. @throws MutexUnsupportedError without them. */
function requireBinding(): NamedBinding {
  if (binding !== undefined) return binding;
  const addon = nativeAddon() as Partial<NamedBinding> | undefined;
  if (addon === undefined) {
    const reason = nativeAddonUnavailableReason();
    throw new MutexUnsupportedError(
      `named locks need the native addon, which is not available in this thread (${reason?.message}); ` +
      'the Atomics backend cannot share a lock between processes', { cause: reason });
  }
  if (typeof addon.namedOpen !== 'function' || typeof addon.namedTryLock !== 'function' ||
      typeof addon.namedSweep !== 'function') {
    throw new MutexUnsupportedError('the loaded native addon was built without named locks; rebuild it (npx os-mutex-build)');
  }
  const b = addon as NamedBinding;
  namedOps = makeOps(b);
  b.namedSetWakeHandler(dispatchWake);
  user = b.namedUser();
  binding = b;
  return b;
}

/** Why `name` is not a lock name, or undefined when it is one. Reads only a primitive string. */
function nameProblem(name: string): 'length' | 'characters' | undefined {
  if (name.length === 0 || name.length > NAMED_NAME_MAX) return 'length';
  if (!NAME_CHARACTERS.test(name) || name.includes('..')) return 'characters';
  return undefined;
}

/**
 * Validates a lock name given to a constructor or remove(). Only primitive
 * strings are accepted (a String object, or anything with a toString, is a
 * type error; nothing of the value is run).
 */
function checkName(name: unknown): string {
  if (typeof name !== 'string') throw invalidArgType('name', 'of type string', name);
  switch (nameProblem(name)) {
    case 'length':
      throw outOfRange('name', `a string of 1 to ${NAMED_NAME_MAX} characters`, name);
    case 'characters':
      throw invalidArgValue('name',
        `must contain only the characters A-Z a-z 0-9 . _ - and no "..". Received ${describeValue(name)}`);
    default:
      return name;
  }
}

/** The error for a failed namedOpen. */
function openError(name: string, kind: LockKind, code: number, message: string): MutexError {
  switch (code) {
    case NAMED_OPEN_ACCESS_DENIED:
      return new MutexAccessDeniedError(
        `named lock "${name}" belongs to another user, or others could open it: ${message}`);
    case NAMED_OPEN_IS_MUTEX:
    case NAMED_OPEN_IS_RECURSIVE: {
      const right = code === NAMED_OPEN_IS_MUTEX ? 'NamedMutex' : 'NamedRecursiveMutex';
      return new MutexInvalidHandleError(
        `named lock "${name}" is a ${right}, not a ${CLASS_OF_KIND[kind]}: a name holds one kind of lock; open it with ${right}`);
    }
    case NAMED_OPEN_INCOMPATIBLE:
      return new MutexUnsupportedError(
        `named lock "${name}" was created by an os-mutex release with another layout; ` +
        'every process sharing a name must use a compatible release');
    default:
      return new MutexUnsupportedError(`cannot open named lock "${name}": ${message}`);
  }
}

function wrap(b: NamedBinding, anchor: NamedAnchor, kind: LockKind, name: string): RawLock {
  const { namedOp: op } = b;
  const { id } = anchor;
  const ops = namedOps;
  const token = anchor.slot;
  const handle: MutexHandle = Object.freeze({ osMutex: 1, backend: 'named', kind, name, user });
  let wakeFn: (() => void) | undefined;
  // Every function reads `anchor`: they keep it (and so the addon's entry of
  // this name in this thread, whose slot is `token`) alive as long as the
  // lock object is; a collected anchor's slot may go to another name.
  const tryLockOrNotify = (wake: () => void): boolean => {
    let targets = wakeTargets.get(id);
    if (targets === undefined) wakeTargets.set(id, (targets = new Set()));
    targets.add((wakeFn = wake));
    op(anchor.slot, NAMED_ARM); // arm first, then try: a release in between still wakes us
    return ops.tryLock(anchor.slot);
  };
  const cancelNotify = (): void => {
    const targets = wakeTargets.get(id);
    if (targets === undefined || wakeFn === undefined) return;
    targets.delete(wakeFn);
    if (targets.size === 0) {
      wakeTargets.delete(id);
      op(anchor.slot, NAMED_DISARM);
    }
  };
  return {
    ops,
    token,
    meta: anchor.words,
    tryLock: () => ops.tryLock(anchor.slot),
    lockFor: (ms: number) => op(anchor.slot, NAMED_LOCK_FOR, ms) === true,
    unlock: () => {
      ops.unlock(anchor.slot);
    },
    tryLockOrNotify,
    cancelNotify,
    owner: (): ProcessOwner | null => {
      const owner = op(anchor.slot, NAMED_OWNER) as [number, number] | undefined;
      return owner === undefined ? null : { pid: owner[0], threadId: owner[1] };
    },
    handle,
    label: JSON.stringify(name),
  };
}

/** Opens `name` (validated) for this thread. Blocks only while another process initialises the name. */
function openNamed(name: string, kind: LockKind): RawLock {
  const b = requireBinding();
  const words = new Int32Array(new SharedArrayBuffer(META_BYTES));
  words[META_OWNER] = NO_OWNER;
  const anchor = b.namedOpen(name, KIND_CODE[kind], words);
  if (Array.isArray(anchor)) throw openError(name, kind, anchor[0], anchor[1]);
  armSweep();
  return wrap(b, anchor, kind, name);
}

/** The named backend. */
export const namedBackend: Backend = {
  name: 'named',
  create(kind, name) {
    return openNamed(checkName(name), kind);
  },
  open({ name, user: handleUser }, kind) {
    if (typeof name !== 'string' || nameProblem(name) !== undefined) {
      throw new MutexInvalidHandleError(`named handle without a valid lock name: ${describeValue(name)}`);
    }
    requireBinding();
    if (typeof handleUser !== typeof user) {
      throw new MutexInvalidHandleError(`named handle of "${name}" without a valid user: ${describeValue(handleUser)}`);
    }
    if (handleUser !== user) {
      throw new MutexAccessDeniedError(
        `named lock "${name}" of user ${describeValue(handleUser)} cannot be opened by this process's user ` +
        `(${describeValue(user)}): a named lock belongs to one OS user`);
    }
    return openNamed(name, kind);
  },
};

/**
 * Removes the OS object of `name` (the current user's). True when it
 * existed. Only a name that no process is using may be removed: a process
 * that has it open keeps the old object while new openers get a new one.
 */
function removeNamed(name: unknown): boolean {
  const checked = checkName(name);
  const result = requireBinding().namedRemove(checked);
  if (Array.isArray(result)) {
    if (result[0] === NAMED_OPEN_ACCESS_DENIED) {
      throw new MutexAccessDeniedError(`cannot remove named lock "${checked}": ${result[1]}`);
    }
    throw new MutexUnsupportedError(`cannot remove named lock "${checked}": ${result[1]}`);
  }
  return result === 1;
}

/** Named locks open in this process (any thread), those of removed names still in use included (diagnostics, leak tests). */
export function namedLockCount(): number {
  return requireBinding().namedCount();
}

/**
 * A machine-wide plain lock: every process (and thread) of the current OS
 * user that opens the same name shares it. See the module's description.
 */
export class NamedMutex extends BaseMutex<ProcessOwner> {
  /**
   * Opens the lock `name` of the current OS user, creating it if needed.
   * Blocks only while another process creates the same name.
   * @throws TypeError (`ERR_INVALID_ARG_TYPE`) unless `name` is a string;
   *   (`ERR_INVALID_ARG_VALUE`) for a character outside A-Z a-z 0-9 . _ -
   *   or a `..`; RangeError (`ERR_OUT_OF_RANGE`) for an empty name or one
   *   longer than 128 characters.
   * @throws MutexInvalidHandleError when the name holds a NamedRecursiveMutex.
   * @throws MutexAccessDeniedError when its OS object belongs to another user.
   * @throws MutexUnsupportedError without the native addon.
   */
  constructor(name: string) {
    super(name);
  }

  /** The lock's name. */
  get name(): string {
    return this.handle.name as string;
  }

  /**
   * Removes the OS object of `name` (the current user's); true when it
   * existed. Never blocks. Only a name that no process is using may be
   * removed: a process that still has it open keeps the old object while
   * new openers get a new one, and the lock is split. On Windows the kernel
   * removes it with its last handle: always false.
   * @throws as the constructor for a bad name; MutexAccessDeniedError when
   *   the object belongs to another user.
   */
  static remove(name: string): boolean {
    return removeNamed(name);
  }
}

/** A machine-wide recursive lock: as {@link NamedMutex}, re-entered by its holder. */
export class NamedRecursiveMutex extends BaseRecursiveMutex<ProcessOwner> {
  /** As {@link NamedMutex}'s; throws MutexInvalidHandleError when the name holds a NamedMutex. */
  constructor(name: string) {
    super(name);
  }

  /** The lock's name. */
  get name(): string {
    return this.handle.name as string;
  }

  /** As {@link NamedMutex.remove}. */
  static remove(name: string): boolean {
    return removeNamed(name);
  }
}

defineLockClass(NamedMutex, namedBackend, 'mutex', 'NamedMutex');
defineLockClass(NamedRecursiveMutex, namedBackend, 'recursive', 'NamedRecursiveMutex');

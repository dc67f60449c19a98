/**
 * The native backend: OS mutexes (pthread_mutex_t, SRWLOCK) from the addon
 * built from `native/`, and the classes over it. `available` says whether
 * the addon loaded in this thread; `index.ts` decides what `Mutex` means
 * from that. When it loads, the addon also provides the owner-death service
 * for Atomics locks (`services/owner-death.ts`).
 *
 * A native lock's shared words (owner, count, flags) live in a slab: a
 * SharedArrayBuffer made here holding the words of up to SLAB_LOCKS locks of
 * this thread, carried by the handle with the words' byte offset. The addon
 * uses that very memory, so no external ArrayBuffer is needed, and `open()`
 * accepts a handle only when its buffer and offset are the lock's own.
 * @module
 */
import path from 'node:path';
import { threadId } from 'node:worker_threads';

import { describeValue, isSharedArrayBuffer, type MutexHandle } from '../contract/handle';
import {
  KIND_MUTEX, KIND_RECURSIVE, META_OWNER, META_WORDS, NO_OWNER, SLOW_ARM, SLOW_DISARM, SLOW_LOCK_FOR,
} from '../contract/layout';
import type { Backend, LockKind, RawLock, RawLockOps, WaitCycleStep } from '../contract/raw-lock';
import { MutexInvalidHandleError, MutexUnsupportedError } from '../api/errors';
import { BaseMutex } from '../api/lock';
import { defineLockClass } from '../api/lock-class';
import { BaseRecursiveMutex } from '../api/recursive';
import { sweepAfterGc } from '../services/gc-sweep';
import { provideNativeAddon } from '../services/native-addon';
import { provideOwnerDeathWatch } from '../services/owner-death';

/** The addon's exports (native/napi/addon.cc). */
interface NativeBinding {
  init(threadId: number): void;
  /** A new lock, recorded while `anchor` lives: its slot. Never blocks. */
  create(kind: number, words: Int32Array, anchor: object): number | undefined;
  /** The live lock `id`, recorded while `anchor` lives: its slot. Never blocks. */
  open(id: number, kind: number, tag: number, words: Int32Array, anchor: object): number | undefined;
  /** Where tryLock()/unlock() read their slot: a word of shared memory. */
  setSlotWord(words: Int32Array): void;
  /** Never blocks. The lock of the slot in the slot word. */
  tryLock(): object | undefined;
  /** Never blocks. The lock of the slot in the slot word. */
  unlock(): void;
  /** The lock id of `slot`. */
  idOf(slot: number): number | undefined;
  /** slow(slot, SLOW_LOCK_FOR, ms): boolean (BLOCKS up to ms); slow(slot, SLOW_ARM | SLOW_DISARM): undefined. */
  slow(slot: number, op: number, ms?: number): boolean | undefined;
  /** Frees the entries of collected lock objects now; returns the entries left. Never blocks (beyond short native locks). */
  sweep(): number;
  registrySize(): number;
  findWaitCycle(id: number): number[] | undefined;
  endWait(): void;
  watchSharedLock(words: Int32Array): void;
  setWakeHandler(handler: (id: number) => void): void;
  tag: number;
}

const KIND_CODE: Record<LockKind, number> = { mutex: KIND_MUTEX, recursive: KIND_RECURSIVE };
const CLASS_OF_CODE: Record<number, string> = { [KIND_MUTEX]: 'Mutex', [KIND_RECURSIVE]: 'RecursiveMutex' };
const META_BYTES = META_WORDS * Int32Array.BYTES_PER_ELEMENT;

/**
 * Locks per slab. One SharedArrayBuffer per lock cost ~0.4 KiB of the
 * process's memory beyond its 16 bytes (V8's backing store and its
 * registry entry, the buffer object); a slab spreads that over its locks.
 * A slab is freed only once every lock in it is, so a few long-lived locks
 * can each keep SLAB_LOCKS * SLAB_STRIDE bytes alive: keep it modest
 * (bench/NOTES.md, "Shared words in slabs").
 */
const SLAB_LOCKS = 32;
/**
 * Bytes between two locks' words in a slab: their first META_BYTES are the
 * lock's, the rest is padding. Locks made one after the other are often
 * used by different threads; words 16 bytes apart would share a cache line,
 * and every acquire and release of one would evict it from the other's core
 * (two threads each on its own lock: 105-120 ns a pair against 42-44 ns,
 * bench/NOTES.md). 128 bytes: two locks never share a 64-byte line, nor the
 * 128-byte pair of lines some CPUs fetch together (and Apple's 128-byte
 * lines). A slab is then one 4 KiB page.
 */
const SLAB_STRIDE = 128;
/** The slab new locks of this thread take their words from, and the next free index in it. */
let slab: SharedArrayBuffer | undefined;
let slabNext = SLAB_LOCKS;

/** Fresh words for a new lock (all zero): META_WORDS at the next stride of this thread's slab. */
function newWords(): Int32Array {
  if (slabNext === SLAB_LOCKS) {
    slab = new SharedArrayBuffer(SLAB_LOCKS * SLAB_STRIDE);
    slabNext = 0;
  }
  return new Int32Array(slab!, SLAB_STRIDE * slabNext++, META_WORDS);
}

/** SharedArrayBuffer.prototype's byteLength getter, taken once: an own property of a buffer cannot answer instead. */
const sharedByteLength = Object.getOwnPropertyDescriptor(SharedArrayBuffer.prototype, 'byteLength')!.get!;

/**
 * Async wake-ups of this thread, by lock id. The addon arms one wake per
 * (lock, thread) and calls dispatchWake(id) on this thread's event loop after
 * the next release; every object of this thread waiting on that lock hears it.
 */
const wakeTargets = new Map<number, Set<() => void>>();

function dispatchWake(id: number): void {
  const targets = wakeTargets.get(id);
  if (targets === undefined) return;
  wakeTargets.delete(id);
  for (const wake of targets) wake();
}

/** What a user reads when no binary was found: how to point at one. */
const BINDING_HINT =
  'set OS_MUTEX_NATIVE_BINDING to the absolute path of the os-mutex .node file to load it from elsewhere ' +
  '(a bundled app must: its code no longer sits in the package folder)';

/**
 * The uncontended path of every native lock of this thread: the slot goes
 * into the addon's slot word, then one argument-less native call (no
 * argument conversion in Node-API). One pair of functions for every lock,
 * so BaseLock's call sites stay monomorphic.
 */
function makeOps(b: NativeBinding): RawLockOps {
  const slotWord = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  b.setSlotWord(slotWord);
  return Object.freeze({
    tryLock: (slot: unknown): boolean => {
      slotWord[0] = slot as number;
      return b.tryLock() !== undefined; // called on `b`: the receiver it returns is an object
    },
    unlock: (slot: unknown): void => {
      slotWord[0] = slot as number;
      b.unlock();
    },
  });
}
/**
 * Loads the addon for this thread and wires it up. Never throws: a failure
 * is the reason `available` is false. Where the binary comes from:
 * - `OS_MUTEX_NATIVE_BINDING` set (absolute path of the `.node` file): that
 *   file and only that one. When it cannot be loaded the error names it;
 *   nothing else is searched, so a wrong path never silently ends on another
 *   binary or on the Atomics backend without saying so.
 * - otherwise node-gyp-build's search of the package folder, found from
 *   `__dirname` (build/Release or build/Debug, then prebuilds/<platform>-<arch>/). Code
 *   bundled as an ES module has no `__dirname`, and code bundled as
 *   CommonJS sits outside the package: the error then says to set the variable.
 * The file is loaded through `module.createRequire` (taken with
 * `process.getBuiltinModule`, Node >= 20.16) rather than a bare `require`,
 * which a bundler would rewrite and which an ES-module bundle does not have.
 */
function load(): { binding?: NativeBinding; ops?: RawLockOps; error?: Error } {
  if (process.env.OS_MUTEX_BACKEND === 'atomics') {
    return { error: new Error('the native backend is disabled by OS_MUTEX_BACKEND=atomics') };
  }
  const file = process.env.OS_MUTEX_NATIVE_BINDING;
  let binding: NativeBinding;
  if (file) {
    if (!path.isAbsolute(file)) {
      return { error: new Error(`OS_MUTEX_NATIVE_BINDING must be an absolute path to the os-mutex .node file, not ${JSON.stringify(file)}`) };
    }
    try {
      binding = process.getBuiltinModule('node:module').createRequire(file)(file) as NativeBinding;
      binding.init(threadId);
    } catch (cause) {
      return { error: new Error(`cannot load OS_MUTEX_NATIVE_BINDING=${file}: ${(cause as Error)?.message}`, { cause }) };
    }
  } else {
    if (typeof __dirname !== 'string') {
      return { error: new Error(`the ES-module build of os-mutex (the one bundlers use) does not search for the native binary; ${BINDING_HINT}`) };
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      binding = require('node-gyp-build')(path.resolve(__dirname, '..', '..', '..')) as NativeBinding;
    } catch (cause) {
      const message = String((cause as Error)?.message).trim();
      return { error: new Error(`${message}\n    ${BINDING_HINT}`, { cause }) };
    }
    try {
      binding.init(threadId);
    } catch (error) {
      return { error: error as Error };
    }
  }
  try {
    const ops = makeOps(binding);
    binding.setWakeHandler(dispatchWake);
    provideOwnerDeathWatch((words) => binding.watchSharedLock(words));
    return { binding, ops };
  } catch (error) {
    return { error: error as Error };
  }
}

const loaded = load();
const binding = loaded.binding;
provideNativeAddon(binding, loaded.error); // for the named backend (backends/named.ts)

/** Whether the native addon loaded in this thread. */
export const available: boolean = binding !== undefined;
/** Why the native addon did not load, when it did not. */
export const unavailableReason: Error | undefined = loaded.error;

/**
 * The addon frees a collected lock's entry when this thread's table of
 * entries next reaches twice what its last prune kept (at least 64), with
 * no event-loop turn needed (so a synchronous loop of `new Mutex()` stays
 * bounded). So that memory also comes back when no more locks are made,
 * the table is also swept after a garbage collection
 * (`services/gc-sweep.ts`).
 */
const armCanary = sweepAfterGc(() => binding?.sweep() ?? 0);

const NATIVE_OPS: RawLockOps | undefined = loaded.ops;

/**
 * One native lock in this thread. It is the addon entry's anchor: the entry
 * (and its slot, `token`) lives while this object does. No per-lock
 * functions: the methods are shared, and the handle is made on first use.
 */
class NativeRawLock implements RawLock {
  readonly meta: Int32Array;
  readonly ops: RawLockOps = NATIVE_OPS!;
  /** This thread's entry of the lock in the addon (its slot), once recorded. */
  token = -1;
  id: number;
  readonly kind: LockKind;
  #handle: MutexHandle | undefined = undefined;
  #wake: (() => void) | undefined = undefined;

  constructor(meta: Int32Array, kind: LockKind, id: number) {
    this.meta = meta;
    this.kind = kind;
    this.id = id;
  }

  tryLock(): boolean {
    return this.ops.tryLock(this.token);
  }

  unlock(): void {
    this.ops.unlock(this.token);
  }

  lockFor(ms: number): boolean {
    return binding!.slow(this.token, SLOW_LOCK_FOR, ms) === true;
  }

  tryLockOrNotify(wake: () => void): boolean {
    const id = this.id;
    let targets = wakeTargets.get(id);
    if (targets === undefined) wakeTargets.set(id, (targets = new Set()));
    targets.add((this.#wake = wake));
    binding!.slow(this.token, SLOW_ARM); // arm first, then try: a release in between still wakes us
    return this.ops.tryLock(this.token);
  }

  cancelNotify(): void {
    const targets = wakeTargets.get(this.id);
    if (targets === undefined || this.#wake === undefined) return;
    targets.delete(this.#wake);
    if (targets.size === 0) {
      wakeTargets.delete(this.id);
      binding!.slow(this.token, SLOW_DISARM);
    }
  }

  findWaitCycle(): readonly WaitCycleStep[] | undefined {
    const flat = binding!.findWaitCycle(this.id);
    if (flat === undefined) return undefined;
    const steps: WaitCycleStep[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      steps.push({ thread: flat[i], lock: `${CLASS_OF_CODE[flat[i + 2]] ?? 'lock'} #${flat[i + 1]}` });
    }
    return steps;
  }

  endWait(): void {
    binding!.endWait();
  }

  get handle(): MutexHandle {
    return (this.#handle ??= Object.freeze({
      osMutex: 1, backend: 'native', kind: this.kind, id: this.id, tag: binding!.tag, pid: process.pid,
      buffer: this.meta.buffer as SharedArrayBuffer, offset: this.meta.byteOffset,
    }));
  }

  get label(): string {
    return `#${this.id}`;
  }
}

function requireBinding(): NativeBinding {
  if (binding !== undefined) return binding;
  throw new MutexUnsupportedError(
    `the native backend is not available in this thread (${unavailableReason?.message}); ` +
    "import Mutex from 'os-mutex', which falls back to the Atomics backend",
  { cause: unavailableReason });
}

/** The native backend. */
export const nativeBackend: Backend = {
  name: 'native',
  create(kind) {
    const b = requireBinding();
    const words = newWords();
    words[META_OWNER] = NO_OWNER;
    const raw = new NativeRawLock(words, kind, 0);
    const slot = b.create(KIND_CODE[kind], words, raw);
    if (slot === undefined) throw new MutexUnsupportedError('the native addon refused a new lock');
    raw.token = slot;
    raw.id = b.idOf(slot)!;
    armCanary();
    return raw;
  },
  open({ id, tag, pid, buffer, offset }, kind) {
    const b = requireBinding();
    if (typeof id !== 'number' || typeof tag !== 'number') {
      throw new MutexInvalidHandleError('native handle without a numeric id and tag');
    }
    if (typeof pid === 'number' && pid !== process.pid) {
      throw new MutexInvalidHandleError(
        `handle #${id} comes from process ${pid}, not this one (${process.pid}): a native lock is shared by ` +
        'the threads of one process. Send handles to worker threads, not to child processes');
    }
    if (tag !== b.tag) {
      throw new MutexInvalidHandleError(
        `handle #${id} was issued by another copy of os-mutex loaded in this process (a second copy of the ` +
        'package, e.g. bundled and installed); use one copy for every thread that shares the lock');
    }
    if (!isSharedArrayBuffer(buffer)) {
      throw new MutexInvalidHandleError(`handle #${id} without the shared memory of a native lock`);
    }
    // The offset was read once (readHandle); a number primitive only, so no user code runs here.
    const byteLength = Reflect.apply(sharedByteLength, buffer, []) as number;
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset % META_BYTES !== 0 ||
        offset > byteLength - META_BYTES) {
      throw new MutexInvalidHandleError(
        `handle #${id} with offset ${describeValue(offset)}: a native lock's shared words sit at a ` +
        `non-negative integer multiple of ${META_BYTES} bytes inside its buffer (${byteLength} bytes)`);
    }
    const words = new Int32Array(buffer, offset, META_WORDS);
    const raw = new NativeRawLock(words, kind, id);
    const slot = b.open(id, KIND_CODE[kind], tag, words, raw);
    if (slot === undefined) {
      throw new MutexInvalidHandleError(
        `no live lock #${id} of this kind: it never existed, every object referring to it was collected, ` +
        'or the handle was altered');
    }
    raw.token = slot;
    armCanary();
    return raw;
  },
};

/** Number of native locks alive in the process (diagnostics and leak tests). */
export function nativeLockCount(): number {
  return requireBinding().registrySize();
}

/** A plain OS mutex (pthread_mutex_t / SRWLOCK). */
export class Mutex extends BaseMutex {
  constructor() {
    super();
  }
}

/** A recursive OS mutex: owner + count over the plain OS mutex. */
export class RecursiveMutex extends BaseRecursiveMutex {
  constructor() {
    super();
  }
}

defineLockClass(Mutex, nativeBackend, 'mutex', 'Mutex');
defineLockClass(RecursiveMutex, nativeBackend, 'recursive', 'RecursiveMutex');

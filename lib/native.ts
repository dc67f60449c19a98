/**
 * The native backend: OS mutexes (pthread_mutex_t, SRWLOCK) from the addon in
 * `native/`, and the classes over it. `available` says whether the addon
 * loaded; `index.ts` decides what `Mutex` means from that.
 * @module
 */
import path from 'node:path';
import { threadId } from 'node:worker_threads';

import { type Backend, type LockKind, type MutexHandle, type RawLock, type WaitCycleStep } from './backend';
import { setOwnerDeathWatch } from './atomics';
import { MutexInvalidHandleError } from './errors';
import { BaseMutex, BaseRecursiveMutex, KIND_CLASS } from './mutex';

/** What addon.cc's open()/create() return. */
interface NativeRawLock {
  id: number;
  meta: ArrayBuffer;
  tryLock(): boolean;
  unlock(): void;
  /** slow(SLOW_LOCK_FOR, ms): boolean; slow(SLOW_ARM) / slow(SLOW_DISARM): undefined (addon.cc). */
  slow(op: number, ms?: number): boolean | undefined;
}

// addon.cc's SlowOp codes.
const SLOW_LOCK_FOR = 0;
const SLOW_ARM = 1;
const SLOW_DISARM = 2;

/** addon.cc's exports. */
interface NativeBinding {
  init(threadId: number): void;
  create(kind: number): NativeRawLock;
  open(id: number, kind: number, tag: number): NativeRawLock | undefined;
  registrySize(): number;
  findWaitCycle(id: number): number[] | undefined;
  endWait(): void;
  watchSharedLock(words: Int32Array): void;
  setWakeHandler(handler: (id: number) => void): void;
  tag: number;
}

const KIND_CODE: Record<LockKind, number> = { mutex: 1, recursive: 2 };
/** The kind an addon kind code stands for (KIND_CODE read backwards). */
function kindOfCode(code: number): LockKind | undefined {
  return (Object.keys(KIND_CODE) as LockKind[]).find((kind) => KIND_CODE[kind] === code);
}

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
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

function load(): { binding?: NativeBinding; error?: Error } {
  if (process.env.OS_MUTEX_BACKEND === 'atomics') {
    return { error: new Error('the native backend is disabled by OS_MUTEX_BACKEND=atomics') };
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const binding = require('node-gyp-build')(PACKAGE_ROOT) as NativeBinding;
    binding.init(threadId);
    binding.setWakeHandler(dispatchWake);
    // With the addon here, Atomics-backend locks get owner-death recovery too.
    setOwnerDeathWatch((words) => binding.watchSharedLock(words));
    return { binding };
  } catch (error) {
    return { error: error as Error };
  }
}

const loaded = load();
const binding = loaded.binding;

/** Whether the native addon loaded in this thread. */
export const available: boolean = binding !== undefined;
/** Why the native addon did not load, when it did not. */
export const unavailableReason: Error | undefined = loaded.error;

function wrap(raw: NativeRawLock, kind: LockKind, tag: number): RawLock {
  const { id, tryLock, slow } = raw;
  const handle: MutexHandle = Object.freeze({ osMutex: 1, backend: 'native', kind, id, tag });
  let wakeFn: (() => void) | undefined;
  const tryLockOrNotify = (wake: () => void): boolean => {
    let targets = wakeTargets.get(id);
    if (targets === undefined) wakeTargets.set(id, (targets = new Set()));
    targets.add((wakeFn = wake));
    slow(SLOW_ARM); // arm first, then try: a release in between still wakes us
    return tryLock();
  };
  const cancelNotify = (): void => {
    const targets = wakeTargets.get(id);
    if (targets === undefined || wakeFn === undefined) return;
    targets.delete(wakeFn);
    if (targets.size === 0) {
      wakeTargets.delete(id);
      slow(SLOW_DISARM);
    }
  };
  return {
    meta: new Int32Array(raw.meta),
    tryLock,
    lockFor: (ms: number) => slow(SLOW_LOCK_FOR, ms) === true,
    unlock: raw.unlock,
    tryLockOrNotify,
    cancelNotify,
    findWaitCycle: () => {
      const flat = binding?.findWaitCycle(id);
      if (flat === undefined) return undefined;
      const steps: WaitCycleStep[] = [];
      for (let i = 0; i < flat.length; i += 3) {
        const kind = kindOfCode(flat[i + 2]);
        steps.push({ thread: flat[i], lock: `${kind ? KIND_CLASS[kind] : 'lock'} #${flat[i + 1]}` });
      }
      return steps;
    },
    endWait: () => binding?.endWait(),
    handle,
    label: `#${id}`,
  };
}

function requireBinding(): NativeBinding {
  if (binding !== undefined) return binding;
  throw Object.assign(new Error(
    `os-mutex: the native backend is not available in this process (${unavailableReason?.message}); ` +
    "import Mutex from 'os-mutex', which falls back to the Atomics backend"),
  { code: 'ERR_MUTEX_NATIVE_UNAVAILABLE', cause: unavailableReason });
}

/** The native backend (internal: the classes below are the API). */
const nativeBackend: Backend = {
  name: 'native',
  create(kind) {
    const b = requireBinding();
    return wrap(b.create(KIND_CODE[kind]), kind, b.tag);
  },
  open(handle, kind) {
    const b = requireBinding();
    const { id, tag } = handle;
    if (typeof id !== 'number' || typeof tag !== 'number') {
      throw new MutexInvalidHandleError('native handle without a numeric id and tag');
    }
    if (tag !== b.tag) {
      throw new MutexInvalidHandleError(`handle #${id} was issued by another copy of os-mutex in this process`);
    }
    const raw = b.open(id, KIND_CODE[kind], tag);
    if (raw === undefined) {
      throw new MutexInvalidHandleError(
        `no live lock #${id} of this kind: it never existed, or every object referring to it was collected`);
    }
    return wrap(raw, kind, tag);
  },
};

/** Number of native locks alive in the process (diagnostics and leak tests). */
export function nativeLockCount(): number {
  return requireBinding().registrySize();
}

/** A plain OS mutex (pthread_mutex_t / SRWLOCK). */
export class Mutex extends BaseMutex {
  constructor() {
    super(nativeBackend);
  }
}

/** A recursive OS mutex: owner + count over the plain OS mutex. */
export class RecursiveMutex extends BaseRecursiveMutex {
  constructor() {
    super(nativeBackend);
  }
}

/**
 * The pure-JavaScript backend: a futex-style lock word on a SharedArrayBuffer
 * with three kinds of state (free; held; held with waiters), Atomics.wait to
 * park and Atomics.notify to wake, so an uncontended release never notifies.
 * The "held" states carry the holder's id: the word is 0 when free, else
 * (threadId + 1) * 2, plus 1 when a waiter may be parked. Taking the lock and
 * naming its owner are then one atomic step, which is what lets a dying
 * thread's locks be found and released (native/addon.cc) whenever it dies.
 * Owner, count and flags also live in the buffer, so every thread sees them.
 * It is the fallback where no native binary loads, and the yardstick the
 * native backend is benchmarked against.
 * @module
 */
import { threadId } from 'node:worker_threads';

import { NO_OWNER, OWNER, type Backend, type LockKind, type RawLock } from './backend';
import { MutexInvalidHandleError } from './errors';
import { BaseMutex, BaseRecursiveMutex } from './mutex';

// Layout of the buffer, in int32 words. OWNER, COUNT, FLAGS come first, so
// the buffer's Int32Array is also the lock's meta view.
const STATE = 3;
const MAGIC_AT = 4;
const KIND_AT = 5;
const ID_AT = 6;
const WORDS = 8;
const MAGIC = 0x584d534f; // "OSMX"
const KIND_CODE: Record<LockKind, number> = { mutex: 1, recursive: 2 };

const SELF = threadId;
/** The lock word while this thread holds the lock (and no waiter is announced). */
const HELD = (SELF + 1) * 2;
/** Waiters bit of the lock word: the holder must notify on release. */
const WAITERS = 1;

/**
 * Set by the native backend when its addon loads in this thread: records each
 * lock this thread opens, so the addon's cleanup hook can release a lock the
 * thread still holds when it dies (pure JavaScript cannot see a thread die).
 */
let ownerDeathWatch: ((words: Int32Array) => void) | undefined;

/**
 * Called by native.ts. Layout contract with native/addon.cc (kAtomics*).
 * @internal
 */
export function setOwnerDeathWatch(watch: (words: Int32Array) => void): void {
  ownerDeathWatch = watch;
}

/** Longest single Atomics.waitAsync of an async waiter (ms); it simply parks again. */
const ASYNC_WAIT_CAP_MS = 1000;

function makeRaw(buffer: SharedArrayBuffer, kind: LockKind): RawLock {
  const i32 = new Int32Array(buffer);
  ownerDeathWatch?.(i32);

  // A successful take of the word is followed at once by the OWNER store;
  // OWNER is cleared right before the word is freed. OWNER is what the shared
  // layer reads; the word is the truth (it names the holder atomically).
  const tryLock = (): boolean => {
    if (Atomics.compareExchange(i32, STATE, 0, HELD) !== 0) return false;
    i32[OWNER] = SELF;
    return true;
  };

  /**
   * One step of a contended acquisition: takes a free word (announcing
   * waiters, as it cannot know there are none: Drepper's "mutex2"), or sets
   * the waiters bit on a held one. Returns 0 when the lock is now ours, else
   * the word value to park on.
   */
  const takeOrAnnounce = (): number => {
    for (;;) {
      const word = Atomics.load(i32, STATE);
      if (word === 0) {
        if (Atomics.compareExchange(i32, STATE, 0, HELD | WAITERS) === 0) {
          i32[OWNER] = SELF;
          return 0;
        }
      } else if ((word & WAITERS) !== 0 ||
                 Atomics.compareExchange(i32, STATE, word, word | WAITERS) === word) {
        return word | WAITERS;
      }
    }
  };

  // Blocks up to ms; every wake-up re-checks the deadline on the monotonic clock.
  const lockFor = (ms: number): boolean => {
    if (i32[OWNER] === SELF) return false;
    if (tryLock()) return true;
    const deadline = performance.now() + ms;
    for (;;) {
      const parkOn = takeOrAnnounce();
      if (parkOn === 0) return true;
      const remaining = deadline - performance.now();
      if (remaining <= 0) return false;
      Atomics.wait(i32, STATE, parkOn, remaining);
    }
  };

  // Async waiting: announce a waiter and park an Atomics.waitAsync on the
  // word. One outstanding waitAsync per object. A waitAsync whose waiter was
  // cancelled but which a release then woke passes that wake-up on, so it is
  // never swallowed. The wait is capped so an orphaned one cannot linger (and
  // so a lock freed by a dying holder, which cannot notify, is seen soon).
  let parked = false;
  let cancelled = false;
  let onWake: (() => void) | undefined;
  const tryLockOrNotify = (wake: () => void): boolean => {
    onWake = wake;
    cancelled = false;
    // Announcing is right even when this thread holds the lock: its own
    // release must then notify.
    const parkOn = takeOrAnnounce();
    if (parkOn === 0) return true;
    if (parked) return false;
    const result = Atomics.waitAsync(i32, STATE, parkOn, ASYNC_WAIT_CAP_MS);
    if (!result.async) {
      // The word changed before we parked: look again on the next turn.
      setImmediate(() => (cancelled ? undefined : onWake?.()));
      return false;
    }
    parked = true;
    void result.value.then((outcome) => {
      parked = false;
      if (!cancelled) onWake?.();
      else if (outcome === 'ok') Atomics.notify(i32, STATE, 1);
    });
    return false;
  };
  const cancelNotify = (): void => {
    cancelled = true;
    onWake = undefined;
  };

  const unlock = (): void => {
    if (i32[OWNER] !== SELF) return;
    i32[OWNER] = NO_OWNER;
    if ((Atomics.exchange(i32, STATE, 0) & WAITERS) !== 0) Atomics.notify(i32, STATE, 1);
  };

  return {
    meta: i32,
    tryLock,
    lockFor,
    unlock,
    tryLockOrNotify,
    cancelNotify,
    handle: Object.freeze({ osMutex: 1, backend: 'atomics', kind, buffer }),
    label: `#${(i32[ID_AT] >>> 0).toString(16).padStart(8, '0')}`,
  };
}

/** The Atomics backend (internal: the classes below are the API). */
const atomicsBackend: Backend = {
  name: 'atomics',
  create(kind) {
    const buffer = new SharedArrayBuffer(WORDS * Int32Array.BYTES_PER_ELEMENT);
    const i32 = new Int32Array(buffer);
    i32[OWNER] = NO_OWNER;
    i32[MAGIC_AT] = MAGIC;
    i32[KIND_AT] = KIND_CODE[kind];
    i32[ID_AT] = (Math.random() * 0x100000000) | 0;
    return makeRaw(buffer, kind);
  },
  open(handle, kind) {
    const { buffer } = handle;
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength !== WORDS * Int32Array.BYTES_PER_ELEMENT) {
      throw new MutexInvalidHandleError('atomics handle without the SharedArrayBuffer of a lock');
    }
    const i32 = new Int32Array(buffer);
    if (Atomics.load(i32, MAGIC_AT) !== MAGIC || Atomics.load(i32, KIND_AT) !== KIND_CODE[kind]) {
      throw new MutexInvalidHandleError('atomics handle whose buffer is not a lock of this kind');
    }
    return makeRaw(buffer, kind);
  },
};

/** A plain lock on SharedArrayBuffer + Atomics, with the API of `Mutex`. */
export class AtomicsMutex extends BaseMutex {
  constructor() {
    super(atomicsBackend);
  }
}

/** A recursive lock on SharedArrayBuffer + Atomics, with the API of `RecursiveMutex`. */
export class AtomicsRecursiveMutex extends BaseRecursiveMutex {
  constructor() {
    super(atomicsBackend);
  }
}

export * from './errors';
export type { AcquireOptions, AsyncAcquireOptions, MutexGuard } from './mutex';
export type { MutexHandle } from './backend';

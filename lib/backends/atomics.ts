/**
 * The pure-JavaScript backend: a futex-style lock word on a SharedArrayBuffer
 * with three kinds of state (free; held; held with waiters), Atomics.wait to
 * park and Atomics.notify to wake, so an uncontended release never notifies.
 * The "held" states carry the holder's id: the word is 0 when free, else
 * (threadId + 1) << ATOMICS_HOLDER_SHIFT, | ATOMICS_WAITERS when a waiter may
 * be parked. Taking the lock and naming its owner are then one atomic step,
 * which is what lets a dying thread's locks be found and released whatever
 * instant it dies at (`services/owner-death.ts`). Owner, count and flags
 * also live in the buffer, so every thread sees them. The layout is
 * `contract/layout.ts`'s ATOMICS_*.
 *
 * Eventually fair, as Go's sync.Mutex: newcomers may barge (take a lock
 * freed a moment ago ahead of parked waiters, which keeps throughput), but
 * once waiters have been parked ATOMICS_STARVE_MS, a contended release hands
 * the lock over: it leaves the word RESERVED (free, but the fast path fails
 * on it) and wakes the longest-parked waiter (Atomics.notify wakes in FIFO
 * order), which takes it. Hand-overs go on until one reaches a waiter that
 * had waited less than that. A reservation names no thread: a woken waiter,
 * or any that has waited ATOMICS_STARVE_MS, may take it, so one whose waiter
 * timed out or died is taken by the next waiter to wake.
 *
 * It is the fallback where no native binary loads, and the yardstick the
 * native backend is benchmarked against.
 * @module
 */
import {
  ATOMICS_ASYNC_SEQ_AT as ASYNC_SEQ, ATOMICS_ASYNC_WAITERS_AT as ASYNC_WAITERS, ATOMICS_HOLDER_SHIFT,
  ATOMICS_ID_AT as ID_AT, ATOMICS_KIND_AT as KIND_AT, ATOMICS_MAGIC as MAGIC, ATOMICS_MAGIC_AT as MAGIC_AT,
  ATOMICS_PARKED_SINCE_AT as PARKED_SINCE, ATOMICS_RESERVED, ATOMICS_STARVE_MS as STARVE_MS,
  ATOMICS_STATE as STATE, ATOMICS_WAITERS as WAITERS, ATOMICS_WORDS as WORDS, KIND_MUTEX, KIND_RECURSIVE,
  META_OWNER as OWNER,
} from '../contract/layout';
import { isSharedArrayBuffer } from '../contract/handle';
import { SELF as OWNER_SELF } from '../contract/owner';
import { NO_OWNER as NO_OWNER_ID } from '../contract/layout';
import type { Backend, LockKind, RawLock } from '../contract/raw-lock';
import { MutexInvalidHandleError } from '../api/errors';
import { BaseMutex } from '../api/lock';
import { defineLockClass } from '../api/lock-class';
import { BaseRecursiveMutex } from '../api/recursive';
import { watchLock } from '../services/owner-death';

/** The calling thread and 'nobody', as module constants (see contract/owner.ts). */
const SELF = OWNER_SELF;
const NO_OWNER = NO_OWNER_ID;

const KIND_CODE: Record<LockKind, number> = { mutex: KIND_MUTEX, recursive: KIND_RECURSIVE };
const BYTES = WORDS * Int32Array.BYTES_PER_ELEMENT;

/** The lock word while this thread holds the lock (and no waiter is announced). */
const HELD = (SELF + 1) << ATOMICS_HOLDER_SHIFT;

/** The lock word of a reserved lock (a reservation always announces waiters). */
const RESERVED = ATOMICS_RESERVED | WAITERS;

/** PARKED_SINCE's clock: Date.now() (every thread reads the same one), low 30 bits. */
const STAMP_MASK = 0x3fffffff;
function stamp(): number {
  return (Date.now() & STAMP_MASK) || 1;
}
/** Whole ms ticks since a stamp that guarantee STARVE_MS have passed (a tick may be partly gone). */
const STARVE_TICKS = STARVE_MS + 1;

/**
 * Longest single Atomics.waitAsync of an async waiter (ms); it simply parks
 * again. Every release wakes every parked async waiter, so this only matters
 * for a lock freed by a dying holder's owner-death hook, which cannot notify.
 */
const ASYNC_WAIT_CAP_MS = 1000;

function makeRaw(buffer: SharedArrayBuffer, kind: LockKind): RawLock {
  const i32 = new Int32Array(buffer);
  watchLock(i32);

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
   * waiters, as it cannot know there are none: Drepper's "mutex2"), or a
   * reserved one when `mayTakeReserved`, or sets the waiters bit on a held
   * one. Returns 0 when the lock is now ours, 1 when it took a reserved
   * lock, else the word value to park on (never 0 or 1).
   */
  const takeOrAnnounce = (mayTakeReserved: boolean): number => {
    for (;;) {
      const word = Atomics.load(i32, STATE);
      if (word === 0) {
        if (Atomics.compareExchange(i32, STATE, 0, HELD | WAITERS) === 0) {
          i32[OWNER] = SELF;
          return 0;
        }
      } else if (word === RESERVED && mayTakeReserved) {
        if (Atomics.compareExchange(i32, STATE, RESERVED, HELD | WAITERS) === RESERVED) {
          i32[OWNER] = SELF;
          return 1;
        }
      } else if ((word & WAITERS) !== 0 ||
                 Atomics.compareExchange(i32, STATE, word, word | WAITERS) === word) {
        return word | WAITERS;
      }
    }
  };

  // BLOCKS up to ms; every wake-up re-checks the deadline on the monotonic clock.
  const lockFor = (ms: number): boolean => {
    if (i32[OWNER] === SELF) return false;
    if (tryLock()) return true;
    const start = performance.now();
    const deadline = start + ms;
    let woken = false;
    for (;;) {
      const now = performance.now();
      const parkOn = takeOrAnnounce(woken || now - start >= STARVE_MS);
      if (parkOn === 1) {
        // Handed over. A waiter that had not waited long ends the hand-overs.
        if (now - start < STARVE_MS) Atomics.store(i32, PARKED_SINCE, 0);
        return true;
      }
      if (parkOn === 0) return true;
      const remaining = deadline - now;
      if (remaining <= 0) return false;
      if (Atomics.load(i32, PARKED_SINCE) === 0) Atomics.compareExchange(i32, PARKED_SINCE, 0, stamp());
      woken = Atomics.wait(i32, STATE, parkOn, remaining) === 'ok';
    }
  };

  // Async waiting. Synchronous waiters park on the lock word and a release
  // wakes one of them; async waiters park on a separate sequence word, and a
  // release that sees the waiters bit wakes them ALL (bumping the sequence
  // first). So a release is never spent on an async waiter whose thread is
  // busy or dying while waiters elsewhere sleep on a free lock. ASYNC_WAITERS
  // counts the lock objects (any thread) with async waiters, so releases pay
  // for the broadcast only while there are some (a thread that dies with
  // async waiters registered leaves its count behind: later contended
  // releases then broadcast needlessly, which costs time, never a wake-up).
  // One outstanding waitAsync per object.
  let registered = false;
  /** When this object's async waiting began (it may take a reserved lock STARVE_MS later). */
  let since = 0;
  let parked = false;
  let cancelled = false;
  let onWake: (() => void) | undefined;
  const tryLockOrNotify = (wake: () => void): boolean => {
    onWake = wake;
    cancelled = false;
    if (!registered) {
      Atomics.add(i32, ASYNC_WAITERS, 1);
      registered = true;
      since = performance.now();
    }
    // The sequence is read before the try: a release after the try bumps it
    // (it sees our waiters bit and our count), so the wait below returns at
    // once instead of sleeping on a free lock.
    const seq = Atomics.load(i32, ASYNC_SEQ);
    // Announcing is right even when this thread holds the lock: its own
    // release must then notify.
    const parkOn = takeOrAnnounce(performance.now() - since >= STARVE_MS);
    if (parkOn === 0 || parkOn === 1) return true;
    if (parked) return false;
    const result = Atomics.waitAsync(i32, ASYNC_SEQ, seq, ASYNC_WAIT_CAP_MS);
    if (!result.async) {
      // A release came between the read and the wait: look again next turn.
      setImmediate(() => (cancelled ? undefined : onWake?.()));
      return false;
    }
    parked = true;
    void result.value.then(() => {
      parked = false;
      if (!cancelled) onWake?.();
    });
    return false;
  };
  const cancelNotify = (): void => {
    cancelled = true;
    onWake = undefined;
    if (registered) {
      registered = false;
      Atomics.sub(i32, ASYNC_WAITERS, 1);
    }
  };

  /**
   * After a release that found waiters announced (the word is now free):
   * wakes one parked waiter, handing the lock over to it when waiters have
   * been parked STARVE_MS, and every async waiter (one that has waited
   * STARVE_MS may take a reserved lock too, so a run of hand-overs between
   * synchronous waiters does not shut it out).
   */
  const wakeAfterRelease = (): void => {
    const parkedSince = Atomics.load(i32, PARKED_SINCE);
    if (parkedSince !== 0 && ((stamp() - parkedSince) & STAMP_MASK) >= STARVE_TICKS &&
        Atomics.compareExchange(i32, STATE, 0, RESERVED) === 0) {
      if (Atomics.notify(i32, STATE, 1) === 0) {
        // Nobody parked on the word: no hand-over (unless a waiter that has
        // waited long took it meanwhile). A waiter that parked on the
        // reserved word since the notify is woken to see it free.
        Atomics.compareExchange(i32, PARKED_SINCE, parkedSince, 0);
        if (Atomics.compareExchange(i32, STATE, RESERVED, 0) === RESERVED) Atomics.notify(i32, STATE, 1);
      }
    } else {
      Atomics.notify(i32, STATE, 1);
    }
    if (Atomics.load(i32, ASYNC_WAITERS) !== 0) {
      Atomics.add(i32, ASYNC_SEQ, 1);
      Atomics.notify(i32, ASYNC_SEQ);
    }
  };

  const unlock = (): void => {
    if (i32[OWNER] !== SELF) return;
    i32[OWNER] = NO_OWNER;
    if ((Atomics.exchange(i32, STATE, 0) & WAITERS) !== 0) wakeAfterRelease();
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

/** The Atomics backend. */
export const atomicsBackend: Backend = {
  name: 'atomics',
  create(kind) {
    const buffer = new SharedArrayBuffer(BYTES);
    const i32 = new Int32Array(buffer);
    i32[OWNER] = NO_OWNER;
    i32[MAGIC_AT] = MAGIC;
    i32[KIND_AT] = KIND_CODE[kind];
    i32[ID_AT] = (Math.random() * 0x100000000) | 0;
    return makeRaw(buffer, kind);
  },
  open({ buffer }, kind) {
    if (!isSharedArrayBuffer(buffer) || buffer.byteLength !== BYTES) {
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
    super();
  }
}

/** A recursive lock on SharedArrayBuffer + Atomics, with the API of `RecursiveMutex`. */
export class AtomicsRecursiveMutex extends BaseRecursiveMutex {
  constructor() {
    super();
  }
}

defineLockClass(AtomicsMutex, atomicsBackend, 'mutex', 'AtomicsMutex');
defineLockClass(AtomicsRecursiveMutex, atomicsBackend, 'recursive', 'AtomicsRecursiveMutex');

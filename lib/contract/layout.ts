/**
 * The one source of every constant TypeScript and C++ share. C++ reads them
 * from `native/include/contract.h`, generated from this file by
 * `npm run gen:contract` (scripts/gen-contract.js); `test/contract.test.ts`
 * fails when the two differ. Add a constant here, regenerate, never edit the
 * header by hand.
 *
 * Every exported `const` of type number here becomes `kName` (CamelCase) in
 * namespace `os_mutex::contract`.
 * @module
 */

// --- The shared words of a lock ----------------------------------------------
// Every lock, whatever its backend, has these int32 words in memory that every
// thread sees (native: 16 bytes of a SharedArrayBuffer slab holding several
// native locks' words, carried by the handle with their offset; Atomics: the
// head of the lock's own SharedArrayBuffer).

/** Word index: the holder's owner id (Node `threadId`, main thread 0) or {@link NO_OWNER}. */
export const META_OWNER = 0;
/** Word index: recursion depth, written by the holder only. */
export const META_COUNT = 1;
/** Word index: flag bits, {@link FLAG_ABANDONED}. */
export const META_FLAGS = 2;
/** Size of a native lock's shared words, in int32 words. */
export const META_WORDS = 4;
/** OWNER when nobody holds the lock. */
export const NO_OWNER = -1;
/** FLAGS bit: a holder died holding the lock; cleared by the next holder's final release. */
export const FLAG_ABANDONED = 1;

// --- Lock kinds (handles name one; native `create`/`open` take the code) -----

export const KIND_MUTEX = 1;
export const KIND_RECURSIVE = 2;

// --- Native slow-path operations (the addon's `slow(slot, op, ms)` export) -----

/** slow(slot, SLOW_LOCK_FOR, ms): blocking timed acquisition. */
export const SLOW_LOCK_FOR = 0;
/** slow(slot, SLOW_ARM): ask for one async wake after the next release. */
export const SLOW_ARM = 1;
/** slow(slot, SLOW_DISARM): cancel SLOW_ARM. */
export const SLOW_DISARM = 2;

// --- The Atomics backend's buffer --------------------------------------------
// META_OWNER, META_COUNT, META_FLAGS come first, so the buffer's Int32Array is
// also the lock's shared words. The native addon reads this layout to release
// an Atomics lock whose holder thread died (lib/services/owner-death.ts).

/**
 * Word index: the lock word. 0 free; {@link ATOMICS_RESERVED} | ATOMICS_WAITERS
 * free but kept for the waiter a release woke; else (holder's threadId + 1) <<
 * ATOMICS_HOLDER_SHIFT, | ATOMICS_WAITERS.
 */
export const ATOMICS_STATE = 3;
/** Word index: {@link ATOMICS_MAGIC}. */
export const ATOMICS_MAGIC_AT = 4;
/** Word index: the kind code. */
export const ATOMICS_KIND_AT = 5;
/** Word index: a random id, for messages. */
export const ATOMICS_ID_AT = 6;
/** Word index: bumped by a contended release while the next word is non-zero; async waiters wait on it. */
export const ATOMICS_ASYNC_SEQ_AT = 7;
/** Word index: how many lock objects (in any thread) have async waiters parked. */
export const ATOMICS_ASYNC_WAITERS_AT = 8;
/**
 * Word index: when the current run of parked waiters began (Date.now() in
 * ms, low 30 bits, never 0), set by a waiter that parks while it is 0; 0
 * when none. A contended release ATOMICS_STARVE_MS or more after it keeps
 * the lock ({@link ATOMICS_RESERVED}) for the waiter it wakes instead of
 * freeing it; that waiter clears it when it had waited less than that.
 */
export const ATOMICS_PARKED_SINCE_AT = 9;
/** Size of an Atomics lock's buffer, in int32 words. */
export const ATOMICS_WORDS = 12;
/** "OSMX": marks a buffer as an Atomics lock. */
export const ATOMICS_MAGIC = 0x584d534f;
/** Lock-word bit: a waiter may be parked; the holder must notify on release. */
export const ATOMICS_WAITERS = 1;
/** The lock word of a holder is (threadId + 1) shifted left by this. */
export const ATOMICS_HOLDER_SHIFT = 1;
/**
 * Lock word of a free lock kept for the waiter a release woke: newcomers'
 * fast path (compare-exchange from 0) fails on it, so they queue. No
 * holder's word: it would be threadId 2^30 - 1's.
 */
export const ATOMICS_RESERVED = -0x80000000;
/** Waiters parked this long (ms) make contended releases hand the lock over (see ATOMICS_PARKED_SINCE_AT). */
export const ATOMICS_STARVE_MS = 1;

// --- A condition's buffer (lib/api/condition.ts) -----------------------------
// Waiters take a slot, park on its STATE word and are told by notify(), which
// moves the oldest WAITING slots (by TICKET) to NOTIFIED. The primitives
// written over a condition (Semaphore, Event, Barrier) keep their own state
// in the COND_USER words. The native addon frees the slots of a thread that
// dies waiting (lib/services/owner-death.ts); COND_MAGIC_AT is the same
// index as ATOMICS_MAGIC_AT, so one watch serves both layouts.

/** Word index: the last ticket handed out (tickets order waiters, oldest first). */
export const COND_SEQ = 0;
/** Word index: how many slots are WAITING or NOTIFIED. */
export const COND_WAITERS = 1;
/** Word index: how many waiters' slots owner death freed (a Barrier breaks on a change). */
export const COND_DEATHS = 2;
/** Word index: how many slots the buffer has. */
export const COND_CAPACITY_AT = 3;
/** Word index: {@link COND_MAGIC}. */
export const COND_MAGIC_AT = 4;
/** Word indices: state of the primitive built on the condition. */
export const COND_USER0 = 5;
export const COND_USER1 = 6;
export const COND_USER2 = 7;
/** Word index of slot 0; slot i starts at COND_SLOTS_AT + i * COND_SLOT_WORDS. */
export const COND_SLOTS_AT = 8;
/** Words per slot: STATE, TICKET, OWNER. */
export const COND_SLOT_WORDS = 3;
export const COND_SLOT_STATE = 0;
export const COND_SLOT_TICKET = 1;
export const COND_SLOT_OWNER = 2;
/** Slot states. */
export const COND_FREE = 0;
export const COND_WAITING = 1;
export const COND_NOTIFIED = 2;
/** "COND": marks a buffer as a condition. */
export const COND_MAGIC = 0x444e4f43;

// --- A reader-writer lock's buffer (lib/api/rwlock.ts) -----------------------
// A writer claims RW_WRITER (naming itself, atomically), which stops new
// readers, then waits for the read shares to drain and sets RW_WRITE_HELD. A
// reader takes a slot (OWNER = its threadId), sets its COUNT (the thread's
// read shares, recursion included), then checks RW_WRITER; a thread's shares
// live in its slot only, so the native addon can return the shares of a
// thread that dies (lib/services/owner-death.ts), and free a dying writer's
// claim, marking the lock abandoned when it held the write side.
// RW_MAGIC_AT is the same index as ATOMICS_MAGIC_AT and COND_MAGIC_AT.

/** Word index: 0 free; else (writer's threadId + 1) << ATOMICS_HOLDER_SHIFT, | RW_WRITE_HELD once readers drained. */
export const RW_WRITER = 0;
/** Word index: flag bits, {@link FLAG_ABANDONED} (a writer died holding the write side). */
export const RW_FLAGS = 1;
/** Word index: bumped when a read share is returned while RW_WRITER is claimed; the claiming writer waits on it. */
export const RW_DRAIN_SEQ = 2;
/**
 * Word index: how many waiters (sync or async, any thread) are parked on
 * RW_WRITER; a release notifies only when it is not 0. A waiter terminated
 * while parked stays counted: later releases then notify needlessly.
 */
export const RW_PARKED = 3;
/** Word index: {@link RW_MAGIC}. */
export const RW_MAGIC_AT = 4;
/** Word index: how many reader slots the buffer has. */
export const RW_CAPACITY_AT = 5;
/** Word index: a random id, for messages. */
export const RW_ID_AT = 6;
/**
 * Word index: 1 + the highest reader slot ever taken (never lowered). A
 * reader raises it before it counts a share there, so a writer waiting for
 * the drain scans only the slots below it.
 */
export const RW_SLOTS_USED = 7;
/** Word index of reader slot 0; slot i starts at RW_SLOTS_AT + i * RW_SLOT_WORDS. */
export const RW_SLOTS_AT = 16;
/** Words per reader slot: OWNER, COUNT, padding to 64 bytes (a cache line per reading thread). */
export const RW_SLOT_WORDS = 16;
/** Slot word: the reading thread's threadId, or {@link NO_OWNER} when the slot is free. */
export const RW_SLOT_OWNER = 0;
/** Slot word: that thread's read shares (> 0 while it holds the read side). */
export const RW_SLOT_COUNT = 1;
/** RW_WRITER bit: the claiming writer holds the write side (every read share drained). */
export const RW_WRITE_HELD = 1;
/** "RWLK": marks a buffer as a reader-writer lock. */
export const RW_MAGIC = 0x4b4c5752;

// --- Machine-wide named locks (lib/backends/named.ts, native/core/named_lock.*) ---
// A name opens one shared OS object per (user, name). The addon's
// namedOpen(name, kind, words) returns the lock's anchor object, or one of
// the NAMED_OPEN_* codes below when it cannot.

/** Longest lock name, in characters (A-Z a-z 0-9 . _ -, no `..`). */
export const NAMED_NAME_MAX = 128;
/** Size of the shared object of a named lock, in bytes (Linux: the POSIX shm object; tmpfs rounds it to a page). */
export const NAMED_OBJECT_BYTES = 128;
/** "OSMN": marks an initialised shared object of a named lock. */
export const NAMED_MAGIC = 0x4e4d534f;
/** Layout version of the shared object; a process finding another one refuses the name. */
export const NAMED_LAYOUT_VERSION = 1;
/** namedOpen() result: the object exists but belongs to another user, or its mode lets others in. */
export const NAMED_OPEN_ACCESS_DENIED = -1;
/** namedOpen() result: the name holds a plain lock (opened as recursive). */
export const NAMED_OPEN_IS_MUTEX = -2;
/** namedOpen() result: the name holds a recursive lock (opened as plain). */
export const NAMED_OPEN_IS_RECURSIVE = -3;
/** namedOpen() result: the object has another layout version (another os-mutex release). */
export const NAMED_OPEN_INCOMPATIBLE = -4;
/** namedOpen() result: the OS refused (namedError() says why). */
export const NAMED_OPEN_FAILED = -5;

/** namedOp(slot, NAMED_TRY): boolean. Never blocks. */
export const NAMED_TRY = 0;
/** namedOp(slot, NAMED_LOCK_FOR, ms): boolean. BLOCKS up to ms. */
export const NAMED_LOCK_FOR = 1;
/** namedOp(slot, NAMED_UNLOCK). Never blocks. */
export const NAMED_UNLOCK = 2;
/** namedOp(slot, NAMED_ARM): one async wake after the next release, in any process. */
export const NAMED_ARM = 3;
/** namedOp(slot, NAMED_DISARM): cancels NAMED_ARM. */
export const NAMED_DISARM = 4;
/** namedOp(slot, NAMED_OWNER): [pid, threadId] of the holder in any process, or undefined. */
export const NAMED_OWNER = 5;

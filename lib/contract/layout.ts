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
// thread sees (native: a SharedArrayBuffer carried by the handle; Atomics: the
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

// --- Native slow-path operations (the addon's `slow(id, op, ms)` export) -----

/** slow(id, SLOW_LOCK_FOR, ms): blocking timed acquisition. */
export const SLOW_LOCK_FOR = 0;
/** slow(id, SLOW_ARM): ask for one async wake after the next release. */
export const SLOW_ARM = 1;
/** slow(id, SLOW_DISARM): cancel SLOW_ARM. */
export const SLOW_DISARM = 2;

// --- The Atomics backend's buffer --------------------------------------------
// META_OWNER, META_COUNT, META_FLAGS come first, so the buffer's Int32Array is
// also the lock's shared words. The native addon reads this layout to release
// an Atomics lock whose holder thread died (lib/services/owner-death.ts).

/** Word index: the lock word. 0 free; else (holder's threadId + 1) << ATOMICS_HOLDER_SHIFT, | ATOMICS_WAITERS. */
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
/** Size of an Atomics lock's buffer, in int32 words. */
export const ATOMICS_WORDS = 12;
/** "OSMX": marks a buffer as an Atomics lock. */
export const ATOMICS_MAGIC = 0x584d534f;
/** Lock-word bit: a waiter may be parked; the holder must notify on release. */
export const ATOMICS_WAITERS = 1;
/** The lock word of a holder is (threadId + 1) shifted left by this. */
export const ATOMICS_HOLDER_SHIFT = 1;

// owner_death.h — releasing the locks of a thread that is exiting.
//
// Defines:
//   os_mutex::AbandonIfHeldBy        one native lock
//   os_mutex::AbandonLocksHeldBy     the native locks an environment opened
//   os_mutex::AtomicsHolderWord      the lock word naming a thread (Atomics backend)
//   os_mutex::AtomicsLockHeldBy      whether an Atomics-backend lock names a thread
//   os_mutex::AbandonAtomicsLockIfHeldBy  owner death for one Atomics-backend lock
//   os_mutex::CondHasWaiterOf        whether a condition has a slot a thread waits in
//   os_mutex::RemoveCondWaitersOf    owner death for one condition's waiter slots
//   os_mutex::RwLockUsedBy           whether a reader-writer lock names a thread
//   os_mutex::AbandonRwLockOf        owner death for one reader-writer lock
//
// "Abandon" is the release a dying holder did not do, in the order of a
// JavaScript release (the FLAGS and COUNT words, then OWNER, then the OS
// release): FLAGS |= contract::kFlagAbandoned, COUNT = 0 (a recursive lock is
// released fully), OWNER = kNoOwner, then the release that publishes it to
// the next holder. Nothing here blocks (beyond a lock's wake list mutex and,
// where timed waits use a condition variable, its short guard) or throws.
#ifndef OS_MUTEX_CORE_OWNER_DEATH_H_
#define OS_MUTEX_CORE_OWNER_DEATH_H_

#include <cstdint>
#include <vector>

#include "core/lock_state.h"

namespace os_mutex {

// When OWNER of `state` is `thread_id`: abandons it (bookkeeping, then
// unlock_and_wake, which wakes its async waiters) and returns true; else
// false, nothing done. Precondition: the caller IS thread `thread_id` (an OS
// mutex may only be unlocked by the thread that locked it), e.g. its
// environment's cleanup hook.
bool AbandonIfHeldBy(LockState* state, int32_t thread_id);

// AbandonIfHeldBy for each lock of `locks` (the locks one environment
// opened; a thread can only hold locks it opened). A lock listed twice is
// released once: after the first release its OWNER no longer names the
// thread. Returns how many were released. Same precondition.
int AbandonLocksHeldBy(const std::vector<LockState*>& locks, int32_t thread_id);

// The Atomics backend's lock word (contract::kAtomicsState) of a lock held by
// `thread_id`: (thread_id + 1) << kAtomicsHolderShift, wrapped to int32 as
// JavaScript's `<<` does; the kAtomicsWaiters bit may be or-ed in.
int32_t AtomicsHolderWord(int32_t thread_id);

// Whether the Atomics-backend lock at `words` (contract::kAtomicsWords
// words) names `thread_id` as its holder. kNoOwner names nobody.
bool AtomicsLockHeldBy(const SharedWord* words, int32_t thread_id);

// Owner death for one Atomics-backend lock: when its lock word names
// `thread_id`, abandons it (FLAGS, COUNT, OWNER, then the word is freed with
// a compare-and-swap, retried while other threads only set the waiters bit)
// and returns true. No Atomics.notify is possible from C++: waiters see the
// free word when their timed wait slice ends. Precondition: the words are
// alive; the caller is thread `thread_id` as it exits (it no longer runs
// JavaScript that could take the lock again).
bool AbandonAtomicsLockIfHeldBy(SharedWord* words, int32_t thread_id);

// A condition's buffer (lib/api/condition.ts; contract::kCond*): a header
// and `capacity` slots of STATE, TICKET, OWNER. `capacity` is the one the
// buffer was validated with (its length), never re-read from the shared
// COND_CAPACITY_AT word, so a scribbled word cannot send a walk out of it.

// Whether a slot of the condition at `words` is WAITING or NOTIFIED with
// OWNER `thread_id` (STATE is read before OWNER: a waiter writes OWNER before
// it makes its slot WAITING). kNoOwner waits nowhere. Never blocks.
bool CondHasWaiterOf(const SharedWord* words, int32_t capacity, int32_t thread_id);

// Owner death for one condition: every slot `thread_id` waits in (WAITING or
// NOTIFIED) is made FREE with a compare-and-swap, COND_WAITERS is
// decremented and COND_DEATHS incremented for it; a slot that was NOTIFIED
// passes its notification on to the oldest WAITING slot (smallest TICKET,
// compared wrap-safe), which becomes NOTIFIED (or to nobody, when none
// waits: a notify with no waiter is lost, as in JavaScript). No
// Atomics.notify is possible from C++: that waiter sees it when its wait
// slice ends. Returns how many slots were freed. Precondition: the words are
// alive; the caller is thread `thread_id` as it exits. Never blocks.
int RemoveCondWaitersOf(SharedWord* words, int32_t capacity, int32_t thread_id);

// A reader-writer lock's buffer (lib/api/rwlock.ts; contract::kRw*): a
// header (the writer word names its claimer as AtomicsHolderWord(threadId),
// | kRwWriteHeld once it holds the write side) and `capacity` reader slots
// of OWNER (threadId or kNoOwner) and COUNT (that thread's read shares).
// `capacity` is the one the buffer was validated with, as for a condition.

// Whether the writer word or a reader slot's OWNER names `thread_id`.
// kNoOwner is named by nothing. Never blocks.
bool RwLockUsedBy(const SharedWord* words, int32_t capacity, int32_t thread_id);

// Owner death for one reader-writer lock: every slot whose OWNER is
// `thread_id` gets COUNT = 0 and is freed (OWNER = kNoOwner), and
// kRwDrainSeq is bumped when a share was returned (a writer waiting for the
// readers to drain sees it when its wait slice ends: no Atomics.notify from
// C++); when the writer word names `thread_id`, it is freed, and FLAGS |=
// kFlagAbandoned when it held the write side (a claim still waiting for
// readers protected nothing). Returns how many things were released (slots
// + the writer word). Precondition: the words are alive; the caller is
// thread `thread_id` as it exits. Never blocks.
int AbandonRwLockOf(SharedWord* words, int32_t capacity, int32_t thread_id);

}  // namespace os_mutex

#endif  // OS_MUTEX_CORE_OWNER_DEATH_H_

// owner_death.cc — the owner-death helpers (see owner_death.h).
#include "core/owner_death.h"

namespace os_mutex {

bool AbandonIfHeldBy(LockState* state, int32_t thread_id) {
  if (state->owner() != thread_id) return false;
  state->words[contract::kMetaFlags].fetch_or(contract::kFlagAbandoned, std::memory_order_relaxed);
  state->words[contract::kMetaCount].store(0, std::memory_order_relaxed);
  state->unlock_and_wake();  // clears OWNER, then the OS unlock publishes all of it
  return true;
}

int AbandonLocksHeldBy(const std::vector<LockState*>& locks, int32_t thread_id) {
  int released = 0;
  for (LockState* state : locks) {
    if (AbandonIfHeldBy(state, thread_id)) ++released;
  }
  return released;
}

int32_t AtomicsHolderWord(int32_t thread_id) {
  uint32_t shifted = static_cast<uint32_t>(static_cast<int64_t>(thread_id) + 1)
                     << contract::kAtomicsHolderShift;
  return static_cast<int32_t>(shifted);
}

bool AtomicsLockHeldBy(const SharedWord* words, int32_t thread_id) {
  if (thread_id == contract::kNoOwner) return false;
  int32_t word = words[contract::kAtomicsState].load();
  return (word & ~contract::kAtomicsWaiters) == AtomicsHolderWord(thread_id);
}

bool AbandonAtomicsLockIfHeldBy(SharedWord* words, int32_t thread_id) {
  if (!AtomicsLockHeldBy(words, thread_id)) return false;
  const int32_t held = AtomicsHolderWord(thread_id);
  words[contract::kMetaFlags].fetch_or(contract::kFlagAbandoned);
  words[contract::kMetaCount].store(0);
  words[contract::kMetaOwner].store(contract::kNoOwner);
  int32_t word = words[contract::kAtomicsState].load();
  while ((word & ~contract::kAtomicsWaiters) == held &&
         !words[contract::kAtomicsState].compare_exchange_weak(word, 0)) {
  }
  return true;
}

namespace {

SharedWord* CondSlot(SharedWord* words, int32_t slot) {
  return words + contract::kCondSlotsAt + slot * contract::kCondSlotWords;
}

bool IsCondWaiting(int32_t state) {
  return state == contract::kCondWaiting || state == contract::kCondNotified;
}

// a < b for tickets that wrap around int32, as JavaScript's `a - b < 0` on
// int32 values (no signed overflow here: the difference is taken unsigned).
bool TicketBefore(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b)) < 0;
}

// Moves the oldest WAITING slot to NOTIFIED, retrying while others change
// slots under it. Returns whether a slot was notified.
bool NotifyOldestCondWaiter(SharedWord* words, int32_t capacity) {
  for (;;) {
    int32_t oldest = -1;
    int32_t oldest_ticket = 0;
    for (int32_t i = 0; i < capacity; ++i) {
      SharedWord* slot = CondSlot(words, i);
      if (slot[contract::kCondSlotState].load() != contract::kCondWaiting) continue;
      int32_t ticket = slot[contract::kCondSlotTicket].load();
      if (oldest < 0 || TicketBefore(ticket, oldest_ticket)) {
        oldest = i;
        oldest_ticket = ticket;
      }
    }
    if (oldest < 0) return false;
    int32_t expected = contract::kCondWaiting;
    if (CondSlot(words, oldest)[contract::kCondSlotState].compare_exchange_strong(
            expected, contract::kCondNotified)) {
      return true;
    }
  }
}

}  // namespace

bool CondHasWaiterOf(const SharedWord* words, int32_t capacity, int32_t thread_id) {
  if (thread_id == contract::kNoOwner) return false;
  for (int32_t i = 0; i < capacity; ++i) {
    const SharedWord* slot = words + contract::kCondSlotsAt + i * contract::kCondSlotWords;
    if (IsCondWaiting(slot[contract::kCondSlotState].load()) &&
        slot[contract::kCondSlotOwner].load() == thread_id) {
      return true;
    }
  }
  return false;
}

int RemoveCondWaitersOf(SharedWord* words, int32_t capacity, int32_t thread_id) {
  if (thread_id == contract::kNoOwner) return 0;
  int removed = 0;
  for (int32_t i = 0; i < capacity; ++i) {
    SharedWord* slot = CondSlot(words, i);
    int32_t state = slot[contract::kCondSlotState].load();
    // OWNER after STATE: a slot this thread waits in is never freed or taken
    // by another thread (only notify() moves it, WAITING -> NOTIFIED), so the
    // compare-and-swap retries only for that move.
    while (IsCondWaiting(state) && slot[contract::kCondSlotOwner].load() == thread_id) {
      if (!slot[contract::kCondSlotState].compare_exchange_strong(state, contract::kCondFree)) continue;
      words[contract::kCondWaiters].fetch_sub(1);
      words[contract::kCondDeaths].fetch_add(1);
      ++removed;
      if (state == contract::kCondNotified) NotifyOldestCondWaiter(words, capacity);
      break;
    }
  }
  return removed;
}

namespace {

SharedWord* RwSlot(SharedWord* words, int32_t slot) {
  return words + contract::kRwSlotsAt + slot * contract::kRwSlotWords;
}

bool RwWriterIs(int32_t writer_word, int32_t thread_id) {
  return writer_word != 0 && (writer_word & ~contract::kRwWriteHeld) == AtomicsHolderWord(thread_id);
}

}  // namespace

bool RwLockUsedBy(const SharedWord* words, int32_t capacity, int32_t thread_id) {
  if (thread_id == contract::kNoOwner) return false;
  if (RwWriterIs(words[contract::kRwWriter].load(), thread_id)) return true;
  for (int32_t i = 0; i < capacity; ++i) {
    const SharedWord* slot = words + contract::kRwSlotsAt + i * contract::kRwSlotWords;
    if (slot[contract::kRwSlotOwner].load() == thread_id) return true;
  }
  return false;
}

int AbandonRwLockOf(SharedWord* words, int32_t capacity, int32_t thread_id) {
  if (thread_id == contract::kNoOwner) return 0;
  int released = 0;
  bool returned_shares = false;
  for (int32_t i = 0; i < capacity; ++i) {
    SharedWord* slot = RwSlot(words, i);
    // Only the slot's owner changes a taken slot, and the owner is this
    // (exiting) thread: no race on COUNT; OWNER is freed with a
    // compare-and-swap all the same.
    if (slot[contract::kRwSlotOwner].load() != thread_id) continue;
    if (slot[contract::kRwSlotCount].exchange(0) != 0) returned_shares = true;
    int32_t owner = thread_id;
    slot[contract::kRwSlotOwner].compare_exchange_strong(owner, contract::kNoOwner);
    ++released;
  }
  if (returned_shares) words[contract::kRwDrainSeq].fetch_add(1);
  int32_t writer = words[contract::kRwWriter].load();
  if (RwWriterIs(writer, thread_id)) {
    if ((writer & contract::kRwWriteHeld) != 0) {
      words[contract::kRwFlags].fetch_or(contract::kFlagAbandoned);
    }
    // Only the claimer changes a claimed writer word (others compare-and-swap
    // it from 0); the claimer is this thread.
    words[contract::kRwWriter].compare_exchange_strong(writer, 0);
    ++released;
  }
  return released;
}

}  // namespace os_mutex

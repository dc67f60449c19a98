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

}  // namespace os_mutex

// contract.h — GENERATED from lib/contract/layout.ts by scripts/gen-contract.js.
// Do not edit: change layout.ts and run `npm run gen:contract`.
// test/contract.test.ts fails when this file and layout.ts differ.
#ifndef OS_MUTEX_CONTRACT_H_
#define OS_MUTEX_CONTRACT_H_

#include <cstdint>

namespace os_mutex {
namespace contract {

constexpr int32_t kMetaOwner = 0;  // META_OWNER
constexpr int32_t kMetaCount = 1;  // META_COUNT
constexpr int32_t kMetaFlags = 2;  // META_FLAGS
constexpr int32_t kMetaWords = 4;  // META_WORDS
constexpr int32_t kNoOwner = -1;  // NO_OWNER
constexpr int32_t kFlagAbandoned = 1;  // FLAG_ABANDONED
constexpr int32_t kKindMutex = 1;  // KIND_MUTEX
constexpr int32_t kKindRecursive = 2;  // KIND_RECURSIVE
constexpr int32_t kSlowLockFor = 0;  // SLOW_LOCK_FOR
constexpr int32_t kSlowArm = 1;  // SLOW_ARM
constexpr int32_t kSlowDisarm = 2;  // SLOW_DISARM
constexpr int32_t kAtomicsState = 3;  // ATOMICS_STATE
constexpr int32_t kAtomicsMagicAt = 4;  // ATOMICS_MAGIC_AT
constexpr int32_t kAtomicsKindAt = 5;  // ATOMICS_KIND_AT
constexpr int32_t kAtomicsIdAt = 6;  // ATOMICS_ID_AT
constexpr int32_t kAtomicsAsyncSeqAt = 7;  // ATOMICS_ASYNC_SEQ_AT
constexpr int32_t kAtomicsAsyncWaitersAt = 8;  // ATOMICS_ASYNC_WAITERS_AT
constexpr int32_t kAtomicsParkedSinceAt = 9;  // ATOMICS_PARKED_SINCE_AT
constexpr int32_t kAtomicsWords = 12;  // ATOMICS_WORDS
constexpr int32_t kAtomicsMagic = 0x584d534f;  // ATOMICS_MAGIC
constexpr int32_t kAtomicsWaiters = 1;  // ATOMICS_WAITERS
constexpr int32_t kAtomicsHolderShift = 1;  // ATOMICS_HOLDER_SHIFT
constexpr int32_t kAtomicsReserved = -2147483648;  // ATOMICS_RESERVED
constexpr int32_t kAtomicsStarveMs = 1;  // ATOMICS_STARVE_MS
constexpr int32_t kCondSeq = 0;  // COND_SEQ
constexpr int32_t kCondWaiters = 1;  // COND_WAITERS
constexpr int32_t kCondDeaths = 2;  // COND_DEATHS
constexpr int32_t kCondCapacityAt = 3;  // COND_CAPACITY_AT
constexpr int32_t kCondMagicAt = 4;  // COND_MAGIC_AT
constexpr int32_t kCondUser0 = 5;  // COND_USER0
constexpr int32_t kCondUser1 = 6;  // COND_USER1
constexpr int32_t kCondUser2 = 7;  // COND_USER2
constexpr int32_t kCondSlotsAt = 8;  // COND_SLOTS_AT
constexpr int32_t kCondSlotWords = 3;  // COND_SLOT_WORDS
constexpr int32_t kCondSlotState = 0;  // COND_SLOT_STATE
constexpr int32_t kCondSlotTicket = 1;  // COND_SLOT_TICKET
constexpr int32_t kCondSlotOwner = 2;  // COND_SLOT_OWNER
constexpr int32_t kCondFree = 0;  // COND_FREE
constexpr int32_t kCondWaiting = 1;  // COND_WAITING
constexpr int32_t kCondNotified = 2;  // COND_NOTIFIED
constexpr int32_t kCondMagic = 0x444e4f43;  // COND_MAGIC
constexpr int32_t kRwWriter = 0;  // RW_WRITER
constexpr int32_t kRwFlags = 1;  // RW_FLAGS
constexpr int32_t kRwDrainSeq = 2;  // RW_DRAIN_SEQ
constexpr int32_t kRwParked = 3;  // RW_PARKED
constexpr int32_t kRwMagicAt = 4;  // RW_MAGIC_AT
constexpr int32_t kRwCapacityAt = 5;  // RW_CAPACITY_AT
constexpr int32_t kRwIdAt = 6;  // RW_ID_AT
constexpr int32_t kRwSlotsUsed = 7;  // RW_SLOTS_USED
constexpr int32_t kRwSlotsAt = 16;  // RW_SLOTS_AT
constexpr int32_t kRwSlotWords = 16;  // RW_SLOT_WORDS
constexpr int32_t kRwSlotOwner = 0;  // RW_SLOT_OWNER
constexpr int32_t kRwSlotCount = 1;  // RW_SLOT_COUNT
constexpr int32_t kRwWriteHeld = 1;  // RW_WRITE_HELD
constexpr int32_t kRwMagic = 0x4b4c5752;  // RW_MAGIC
constexpr int32_t kNamedNameMax = 128;  // NAMED_NAME_MAX
constexpr int32_t kNamedObjectBytes = 128;  // NAMED_OBJECT_BYTES
constexpr int32_t kNamedMagic = 0x4e4d534f;  // NAMED_MAGIC
constexpr int32_t kNamedLayoutVersion = 1;  // NAMED_LAYOUT_VERSION
constexpr int32_t kNamedOpenAccessDenied = -1;  // NAMED_OPEN_ACCESS_DENIED
constexpr int32_t kNamedOpenIsMutex = -2;  // NAMED_OPEN_IS_MUTEX
constexpr int32_t kNamedOpenIsRecursive = -3;  // NAMED_OPEN_IS_RECURSIVE
constexpr int32_t kNamedOpenIncompatible = -4;  // NAMED_OPEN_INCOMPATIBLE
constexpr int32_t kNamedOpenFailed = -5;  // NAMED_OPEN_FAILED
constexpr int32_t kNamedTry = 0;  // NAMED_TRY
constexpr int32_t kNamedLockFor = 1;  // NAMED_LOCK_FOR
constexpr int32_t kNamedUnlock = 2;  // NAMED_UNLOCK
constexpr int32_t kNamedArm = 3;  // NAMED_ARM
constexpr int32_t kNamedDisarm = 4;  // NAMED_DISARM
constexpr int32_t kNamedOwner = 5;  // NAMED_OWNER

}  // namespace contract
}  // namespace os_mutex

#endif  // OS_MUTEX_CONTRACT_H_

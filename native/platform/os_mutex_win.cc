// os_mutex_win.cc — OsMutex over SRWLOCK (Windows).
//
// SRWLOCK is the fastest Windows lock (one interlocked op each way when
// uncontended) but has no timed acquire. The timed wait is built on top:
// a timed waiter registers in timed_waiters_, then, under a second SRWLOCK
// (guard_), retries TryAcquireSRWLockExclusive and sleeps on a
// CONDITION_VARIABLE with the remaining time. unlock() releases the lock and,
// only when timed waiters exist, passes through guard_ and wakes them. The
// untimed path never touches guard_ or the condition variable.
//
// Imports only KERNEL32 (SRW locks and condition variables exist since Vista).
#if defined(_WIN32)

#include "platform/os_mutex.h"

namespace os_mutex {

OsMutex::OsMutex() = default;
OsMutex::~OsMutex() = default;  // SRWLOCK and CONDITION_VARIABLE need no cleanup

// Blocks until held.
void OsMutex::lock() { AcquireSRWLockExclusive(&lock_); }

bool OsMutex::try_lock() { return TryAcquireSRWLockExclusive(&lock_) != 0; }

// Blocks until held or the deadline passes. Clock is steady_clock
// (QueryPerformanceCounter), so wall-clock changes do not matter.
bool OsMutex::lock_until(Clock::time_point deadline) {
  if (TryAcquireSRWLockExclusive(&lock_)) return true;
  timed_waiters_.fetch_add(1, std::memory_order_seq_cst);
  bool acquired = false;
  AcquireSRWLockExclusive(&guard_);
  for (;;) {
    if (TryAcquireSRWLockExclusive(&lock_)) {
      acquired = true;
      break;
    }
    auto remaining = deadline - Clock::now();
    if (remaining <= Clock::duration::zero()) break;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(remaining).count() + 1;
    // INFINITE is 0xFFFFFFFF: stay below it; the loop waits again.
    DWORD wait_ms = ms > 0x7FFFFFFF ? 0x7FFFFFFF : static_cast<DWORD>(ms);
    SleepConditionVariableSRW(&cv_, &guard_, wait_ms, 0);
  }
  ReleaseSRWLockExclusive(&guard_);
  timed_waiters_.fetch_sub(1, std::memory_order_seq_cst);
  return acquired;
}

void OsMutex::wake_timed_waiters() {
  // Passing through guard_ orders this wake after any waiter's failed try:
  // that waiter is either asleep on cv_ (and woken) or will retry and succeed.
  AcquireSRWLockExclusive(&guard_);
  ReleaseSRWLockExclusive(&guard_);
  WakeAllConditionVariable(&cv_);
}

void OsMutex::unlock() {
  ReleaseSRWLockExclusive(&lock_);
  // Store-load ordering against lock_until's increment-then-try.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (timed_waiters_.load(std::memory_order_relaxed) != 0) wake_timed_waiters();
}

}  // namespace os_mutex

#endif  // _WIN32

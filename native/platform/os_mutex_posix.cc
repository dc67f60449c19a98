// os_mutex_posix.cc — OsMutex over pthread_mutex_t (Linux, macOS).
//
// The mutex is PTHREAD_MUTEX_NORMAL: owner and recursion are kept above this
// layer, which never calls lock() while holding the mutex, so the
// error-checking type would only add a branch to every call.
//
// Timed waits:
//   Linux   pthread_mutex_clocklock(CLOCK_MONOTONIC) when the C library has it
//           (glibc >= 2.30, resolved at run time so the binary still loads on
//           glibc 2.28), else pthread_mutex_timedlock on CLOCK_REALTIME,
//           re-checked against the monotonic deadline after every return.
//   macOS   no timedlock exists: timed waiters sleep on a condition variable
//           that unlock() signals while any are waiting (OS_MUTEX_USE_CONDVAR_TIMED).
#if !defined(_WIN32)

#include "platform/os_mutex.h"

#include <cerrno>
#include <ctime>

#include "platform/posix_deadline.h"

namespace os_mutex {

OsMutex::OsMutex() {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_NORMAL);
  pthread_mutex_init(&mutex_, &attr);
  pthread_mutexattr_destroy(&attr);
#if defined(OS_MUTEX_USE_CONDVAR_TIMED)
  pthread_mutex_init(&guard_, nullptr);
  pthread_condattr_t cattr;
  pthread_condattr_init(&cattr);
#if !defined(__APPLE__)
  pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
#endif
  pthread_cond_init(&cv_, &cattr);
  pthread_condattr_destroy(&cattr);
#endif
}

OsMutex::~OsMutex() {
#if defined(OS_MUTEX_USE_CONDVAR_TIMED)
  pthread_cond_destroy(&cv_);
  pthread_mutex_destroy(&guard_);
#endif
  pthread_mutex_destroy(&mutex_);
}

// Blocks until held.
void OsMutex::lock() { pthread_mutex_lock(&mutex_); }

bool OsMutex::try_lock() { return pthread_mutex_trylock(&mutex_) == 0; }

#if !defined(OS_MUTEX_USE_CONDVAR_TIMED)

// Blocks until held or the deadline passes.
bool OsMutex::lock_until(Clock::time_point deadline) {
  if (pthread_mutex_trylock(&mutex_) == 0) return true;
  const posix::ClockLockFn clock_lock = posix::ClockLockFunction();
  for (;;) {
    int rc;
    if (clock_lock != nullptr) {
      timespec ts = posix::ToTimespecOn(CLOCK_MONOTONIC, deadline);
      rc = clock_lock(&mutex_, CLOCK_MONOTONIC, &ts);
    } else {
      timespec ts = posix::ToTimespecOn(CLOCK_REALTIME, deadline);
      rc = pthread_mutex_timedlock(&mutex_, &ts);
    }
    if (rc == 0) return true;
    // ETIMEDOUT on the realtime fallback may be a wall-clock jump: only the
    // monotonic clock decides. EINTR cannot happen for mutexes, but retrying
    // is the right answer if it ever does.
    if (Clock::now() >= deadline) return pthread_mutex_trylock(&mutex_) == 0;
  }
}

void OsMutex::unlock() { pthread_mutex_unlock(&mutex_); }

#else  // OS_MUTEX_USE_CONDVAR_TIMED

// Blocks until held or the deadline passes. Timed waiters announce themselves
// in timed_waiters_ before their last try under guard_, and unlock(), after
// releasing the mutex, passes through guard_ before it signals, so a release
// between a waiter's failed try and its sleep cannot be missed.
bool OsMutex::lock_until(Clock::time_point deadline) {
  if (pthread_mutex_trylock(&mutex_) == 0) return true;
  timed_waiters_.fetch_add(1, std::memory_order_seq_cst);
  bool acquired = false;
  pthread_mutex_lock(&guard_);
  for (;;) {
    if (pthread_mutex_trylock(&mutex_) == 0) {
      acquired = true;
      break;
    }
    if (Clock::now() >= deadline) break;
#if defined(__APPLE__)
    auto remaining = deadline - Clock::now();
    if (remaining < Clock::duration::zero()) remaining = Clock::duration::zero();
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(remaining).count();
    constexpr long long kDay = 86400LL * 1000000000LL;
    if (ns > kDay) ns = kDay;
    timespec rel{static_cast<time_t>(ns / 1000000000LL), static_cast<long>(ns % 1000000000LL)};
    pthread_cond_timedwait_relative_np(&cv_, &guard_, &rel);
#else
    timespec ts = posix::ToTimespecOn(CLOCK_MONOTONIC, deadline);
    pthread_cond_timedwait(&cv_, &guard_, &ts);
#endif
  }
  pthread_mutex_unlock(&guard_);
  timed_waiters_.fetch_sub(1, std::memory_order_seq_cst);
  return acquired;
}

void OsMutex::wake_timed_waiters() {
  pthread_mutex_lock(&guard_);
  pthread_mutex_unlock(&guard_);
  pthread_cond_broadcast(&cv_);
}

void OsMutex::unlock() {
  pthread_mutex_unlock(&mutex_);
  // Store-load ordering against lock_until's increment-then-try.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (timed_waiters_.load(std::memory_order_relaxed) != 0) wake_timed_waiters();
}

#endif  // OS_MUTEX_USE_CONDVAR_TIMED

}  // namespace os_mutex

#endif  // !_WIN32

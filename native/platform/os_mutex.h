// os_mutex.h — one small interface over the operating system's mutex.
//
// Defines:
//   os_mutex::Clock    the monotonic clock every deadline is measured on
//   os_mutex::OsMutex  a plain (non-recursive) OS mutex: lock / try_lock /
//                      lock_until(deadline) / unlock
//
// OsMutex knows nothing about owners, recursion, JavaScript or thread ids:
// core/lock_state.h records the owner, and the TypeScript layer keeps the
// recursion count, once for every backend. Implementations:
//   platform/os_mutex_posix.cc  pthread_mutex_t (Linux, macOS)
//   platform/os_mutex_win.cc    SRWLOCK, with a timed wait built on top
//
// Preconditions are the OS's: unlock() only by the thread that locked; lock()
// by the thread that holds the mutex deadlocks (the caller checks the owner
// first). Nothing here throws.
#ifndef OS_MUTEX_PLATFORM_OS_MUTEX_H_
#define OS_MUTEX_PLATFORM_OS_MUTEX_H_

#include <chrono>

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#include <atomic>
#else
#include <pthread.h>
#if defined(__APPLE__) || defined(OS_MUTEX_TIMED_VIA_CONDVAR)
// macOS has no pthread_mutex_timedlock: timed waits sleep on a condition
// variable that unlock() signals while timed waiters exist. Defining
// OS_MUTEX_TIMED_VIA_CONDVAR selects the same code on Linux, so it is tested.
#define OS_MUTEX_USE_CONDVAR_TIMED 1
#include <atomic>
#endif
#endif

namespace os_mutex {

using Clock = std::chrono::steady_clock;

class OsMutex {
 public:
  OsMutex();
  ~OsMutex();  // precondition: not held
  OsMutex(const OsMutex&) = delete;
  OsMutex& operator=(const OsMutex&) = delete;

  // Blocks the calling thread until it holds the mutex. Uninterruptible:
  // callers that must stay terminable use lock_until() in slices instead.
  void lock();

  // Never blocks. True when the calling thread now holds the mutex.
  bool try_lock();

  // Blocks the calling thread until it holds the mutex (true) or `deadline`
  // passes on the monotonic clock (false). A deadline in the past means one
  // try. A wall-clock change neither shortens nor stretches the wait
  // (except on glibc < 2.30, where pthread_mutex_clocklock does not exist and
  // the wait falls back to a CLOCK_REALTIME timedlock, re-checked against the
  // monotonic clock after every wake-up).
  bool lock_until(Clock::time_point deadline);

  // Never blocks. Precondition: the calling thread holds the mutex.
  void unlock();

 private:
#if defined(_WIN32)
  SRWLOCK lock_ = SRWLOCK_INIT;
  // Timed wait on top of SRWLOCK: timed waiters sleep on cv_ (guarded by
  // guard_) and unlock() wakes them when timed_waiters_ is non-zero.
  SRWLOCK guard_ = SRWLOCK_INIT;
  CONDITION_VARIABLE cv_ = CONDITION_VARIABLE_INIT;
  std::atomic<int> timed_waiters_{0};
  void wake_timed_waiters();
#else
  pthread_mutex_t mutex_;
#if defined(OS_MUTEX_USE_CONDVAR_TIMED)
  pthread_mutex_t guard_;
  pthread_cond_t cv_;
  std::atomic<int> timed_waiters_{0};
  void wake_timed_waiters();
#endif
#endif
};

}  // namespace os_mutex

#endif  // OS_MUTEX_PLATFORM_OS_MUTEX_H_

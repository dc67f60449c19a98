// posix_deadline.h — what the POSIX timed lock calls need, shared by
// os_mutex_posix.cc (OsMutex) and process_mutex_posix.cc (ProcessMutex).
//
// Defines, in os_mutex::posix:
//   ToTimespecOn(clock, deadline)  a monotonic deadline as an absolute
//                                  timespec on `clock`
//   ClockLockFunction()            pthread_mutex_clocklock, or null
// Nothing here blocks or throws.
#ifndef OS_MUTEX_PLATFORM_POSIX_DEADLINE_H_
#define OS_MUTEX_PLATFORM_POSIX_DEADLINE_H_

#if !defined(_WIN32)

#include <dlfcn.h>
#include <pthread.h>

#include <chrono>
#include <ctime>

#include "platform/os_mutex.h"

namespace os_mutex {
namespace posix {

// Converts a monotonic deadline into a timespec on `clock`, clamped so that a
// deadline in the past gives "now" (one try). One call waits at most a day:
// timespec arithmetic stays in range and the caller's loop simply waits again.
inline timespec ToTimespecOn(clockid_t clock, Clock::time_point deadline) {
  timespec now{};
  clock_gettime(clock, &now);
  auto remaining = deadline - Clock::now();
  if (remaining < Clock::duration::zero()) remaining = Clock::duration::zero();
  long long ns = std::chrono::duration_cast<std::chrono::nanoseconds>(remaining).count();
  constexpr long long kDay = 86400LL * 1000000000LL;
  if (ns > kDay) ns = kDay;
  long long total = static_cast<long long>(now.tv_nsec) + ns % 1000000000LL;
  timespec ts{};
  ts.tv_sec = now.tv_sec + static_cast<time_t>(ns / 1000000000LL) +
              static_cast<time_t>(total / 1000000000LL);
  ts.tv_nsec = static_cast<long>(total % 1000000000LL);
  return ts;
}

using ClockLockFn = int (*)(pthread_mutex_t*, clockid_t, const timespec*);

// pthread_mutex_clocklock (glibc >= 2.30), or null when the C library
// predates it: resolved at run time, so that the binary still loads on
// glibc 2.28. Resolved once; dlsym is thread-safe and the result never
// changes. Under ThreadSanitizer the timedlock fallback is used: TSan
// intercepts it, but a function found with dlsym would bypass its
// interceptors and every acquisition would look like a data race.
inline ClockLockFn ClockLockFunction() {
#if defined(__SANITIZE_THREAD__)
  return nullptr;
#else
  static const ClockLockFn fn =
      reinterpret_cast<ClockLockFn>(dlsym(RTLD_DEFAULT, "pthread_mutex_clocklock"));
  return fn;
#endif
}

}  // namespace posix
}  // namespace os_mutex

#endif  // !_WIN32

#endif  // OS_MUTEX_PLATFORM_POSIX_DEADLINE_H_

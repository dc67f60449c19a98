// glibc_compat.h — keeps the Linux binary loadable on glibc 2.28 and on the
// libstdc++ of GCC 8 (GLIBCXX_3.4.25), whatever newer system builds it.
//
// Force-included into every translation unit (`-include`) by binding.gyp and
// CMakeLists.txt on Linux; never #included by the sources, which stay free of
// it. scripts/check-linux-abi.sh fails the prebuild when a newer version
// requirement slips through anyway.
//
// 1. glibc symbol versions. glibc 2.34 moved the pthread and dl functions into
//    libc and gave several of them a new default version GLIBC_2.34, so a
//    binary linked on glibc >= 2.34 asks for GLIBC_2.34. Each `.symver` below
//    binds a reference to the version the symbol had before 2.34 (still
//    exported by every newer glibc). The versions are the pre-2.34 defaults,
//    NOT simply the oldest ones: pthread_cond_* must stay GLIBC_2.3.2 on x86-64
//    (GLIBC_2.2.5 is the old, incompatible condition variable), which is why
//    they are not listed. pthread_mutex_clocklock (2.30) is not linked at all:
//    platform/os_mutex_posix.cc resolves it with dlsym at run time.
//    A .symver for a symbol a unit never references costs nothing.
//    On glibc < 2.34 these symbols live in libpthread.so.0 / libdl.so.2, which
//    the binary does not list as NEEDED (glibc >= 2.34 links them as libc's):
//    the dynamic linker matches a versioned reference by version name in any
//    loaded object, and node itself links both libraries on such systems.
//
// 2. libstdc++. GCC >= 11 headers make std::allocator call
//    std::__throw_bad_array_new_length (GLIBCXX_3.4.29). A weak, hidden local
//    definition (throwing its base class, std::bad_alloc, as older libstdc++
//    does) satisfies those references inside the binary, so nothing newer than
//    GLIBCXX_3.4.21 is imported. The addon is built without exceptions: in
//    practice this is unreachable (no allocation here is near SIZE_MAX / size).
//
// Define OS_MUTEX_NO_ABI_PIN to turn all of this off (sanitizer builds, whose
// runtimes interpose the pthread functions, do).
#ifndef OS_MUTEX_PLATFORM_GLIBC_COMPAT_H_
#define OS_MUTEX_PLATFORM_GLIBC_COMPAT_H_

#if defined(__linux__) && !defined(OS_MUTEX_NO_ABI_PIN)
#include <features.h>

#if defined(__GLIBC__)
#include <dlfcn.h>
#include <pthread.h>

#if defined(__x86_64__)
#define OS_MUTEX_GLIBC_BASE "GLIBC_2.2.5"
#define OS_MUTEX_GLIBC_CONDATTR_SETCLOCK "GLIBC_2.3.3"
#define OS_MUTEX_GLIBC_ROBUST "GLIBC_2.12"
#elif defined(__aarch64__)
#define OS_MUTEX_GLIBC_BASE "GLIBC_2.17"
#define OS_MUTEX_GLIBC_CONDATTR_SETCLOCK "GLIBC_2.17"
#define OS_MUTEX_GLIBC_ROBUST "GLIBC_2.17"
#endif

#if defined(OS_MUTEX_GLIBC_BASE)
#define OS_MUTEX_PIN_SYMBOL(symbol, version) __asm__(".symver " #symbol "," #symbol "@" version)
OS_MUTEX_PIN_SYMBOL(dlsym, OS_MUTEX_GLIBC_BASE);
OS_MUTEX_PIN_SYMBOL(pthread_mutex_trylock, OS_MUTEX_GLIBC_BASE);
OS_MUTEX_PIN_SYMBOL(pthread_mutex_timedlock, OS_MUTEX_GLIBC_BASE);
OS_MUTEX_PIN_SYMBOL(pthread_mutexattr_init, OS_MUTEX_GLIBC_BASE);
OS_MUTEX_PIN_SYMBOL(pthread_mutexattr_settype, OS_MUTEX_GLIBC_BASE);
OS_MUTEX_PIN_SYMBOL(pthread_mutexattr_destroy, OS_MUTEX_GLIBC_BASE);
OS_MUTEX_PIN_SYMBOL(pthread_condattr_setclock, OS_MUTEX_GLIBC_CONDATTR_SETCLOCK);
// Named locks (platform/process_mutex_posix.cc): robust, process-shared.
OS_MUTEX_PIN_SYMBOL(pthread_mutexattr_setpshared, OS_MUTEX_GLIBC_BASE);
OS_MUTEX_PIN_SYMBOL(pthread_mutexattr_setrobust, OS_MUTEX_GLIBC_ROBUST);
OS_MUTEX_PIN_SYMBOL(pthread_mutex_consistent, OS_MUTEX_GLIBC_ROBUST);
// Named locks' watcher thread (core/named_lock.cc).
OS_MUTEX_PIN_SYMBOL(pthread_create, OS_MUTEX_GLIBC_BASE);
OS_MUTEX_PIN_SYMBOL(pthread_join, OS_MUTEX_GLIBC_BASE);
// Referenced by libstdc++'s inline gthread code (std::call_once, TLS keys).
OS_MUTEX_PIN_SYMBOL(pthread_once, OS_MUTEX_GLIBC_BASE);
OS_MUTEX_PIN_SYMBOL(pthread_key_create, OS_MUTEX_GLIBC_BASE);
OS_MUTEX_PIN_SYMBOL(__pthread_key_create, OS_MUTEX_GLIBC_BASE);
OS_MUTEX_PIN_SYMBOL(pthread_getspecific, OS_MUTEX_GLIBC_BASE);
OS_MUTEX_PIN_SYMBOL(pthread_setspecific, OS_MUTEX_GLIBC_BASE);
#undef OS_MUTEX_PIN_SYMBOL
#endif  // OS_MUTEX_GLIBC_BASE
#endif  // __GLIBC__

#if defined(__cplusplus)
#include <cstddef>  // defines __GLIBCXX__ / _GLIBCXX_RELEASE when libstdc++ is in use
#if defined(__GLIBCXX__) && defined(_GLIBCXX_RELEASE) && _GLIBCXX_RELEASE >= 11
#include <bits/functexcept.h>
// The same symbol as std::__throw_bad_array_new_length(), declared under
// another C++ name so that it can be hidden (the std:: declaration is not).
extern "C" __attribute__((weak, visibility("hidden"), noreturn, used)) void
os_mutex_throw_bad_array_new_length() __asm__("_ZSt28__throw_bad_array_new_lengthv");
extern "C" void os_mutex_throw_bad_array_new_length() { std::__throw_bad_alloc(); }
#endif
#endif  // __cplusplus

#endif  // __linux__ && !OS_MUTEX_NO_ABI_PIN

#endif  // OS_MUTEX_PLATFORM_GLIBC_COMPAT_H_

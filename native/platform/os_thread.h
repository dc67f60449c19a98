// os_thread.h — a joinable OS thread that reports failure instead of throwing.
//
// Defines:
//   os_mutex::OsThread  start(fn, arg) / join(), over pthread_create (Linux,
//                       macOS) or CreateThread (Windows)
//
// Not std::thread: its constructor reports an OS refusal (a thread limit) by
// throwing std::system_error, and no C++ exception may reach Node. Used by
// core/named_lock.cc for a named lock's watcher thread. Not thread-safe: the
// owner serialises start() and join() (NamedLock does, under its mutex).
// Nothing here throws.
#ifndef OS_MUTEX_PLATFORM_OS_THREAD_H_
#define OS_MUTEX_PLATFORM_OS_THREAD_H_

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#else
#include <pthread.h>
#endif

namespace os_mutex {

class OsThread {
 public:
  using Main = void (*)(void* arg);

  OsThread() = default;
  OsThread(const OsThread&) = delete;
  OsThread& operator=(const OsThread&) = delete;
  // Precondition: not joinable() (join() first).
  ~OsThread() = default;

  // Runs main(arg) on a new thread; false (and nothing started) when the OS
  // refused one. Never blocks. Precondition: not joinable().
  bool start(Main main, void* arg) {
    main_ = main;
    arg_ = arg;
#if defined(_WIN32)
    handle_ = CreateThread(nullptr, 0, &OsThread::Run, this, 0, nullptr);
    joinable_ = handle_ != nullptr;
#else
    joinable_ = pthread_create(&thread_, nullptr, &OsThread::Run, this) == 0;
#endif
    return joinable_;
  }

  // BLOCKS until the thread has ended. Precondition: joinable().
  void join() {
#if defined(_WIN32)
    WaitForSingleObject(handle_, INFINITE);  // BLOCKS until the thread has ended
    CloseHandle(handle_);
    handle_ = nullptr;
#else
    pthread_join(thread_, nullptr);  // BLOCKS until the thread has ended
#endif
    joinable_ = false;
  }

  // Whether start() succeeded and join() has not been called since.
  bool joinable() const { return joinable_; }

 private:
#if defined(_WIN32)
  static DWORD WINAPI Run(LPVOID self) {
    auto* thread = static_cast<OsThread*>(self);
    thread->main_(thread->arg_);  // main_ and arg_ were written before the thread started
    return 0;
  }
  HANDLE handle_ = nullptr;
#else
  static void* Run(void* self) {
    auto* thread = static_cast<OsThread*>(self);
    thread->main_(thread->arg_);  // main_ and arg_ were written before the thread started
    return nullptr;
  }
  pthread_t thread_{};
#endif
  Main main_ = nullptr;
  void* arg_ = nullptr;
  bool joinable_ = false;
};

}  // namespace os_mutex

#endif  // OS_MUTEX_PLATFORM_OS_THREAD_H_

// process_mutex.h — one machine-wide, named, robust OS mutex.
//
// Defines:
//   os_mutex::NamedOwner     who holds a named lock: (process id, Node threadId)
//   os_mutex::LockResult     what an acquisition gave
//   os_mutex::ProcessMutex   this process's view of the shared object of one
//                            name: lock / try_lock / lock_until(deadline) /
//                            unlock, the owner record, the abandoned flag, and
//                            the cross-process wake-up of async waiters
//
// One shared object per (OS user, name), created on first use and never
// removed implicitly (removing it while another process opens it would split
// the lock; see Remove()). Its contents, whatever the platform:
//   magic + layout version (contract::kNamedMagic / kNamedLayoutVersion),
//   kind (contract::kKindMutex or kKindRecursive: a name holds one kind),
//   the owner record (pid, threadId; written by the holder after it locked,
//   cleared before it unlocks), an `abandoned` flag (set when a holder died
//   holding it; taken by the next holder), `wake_seq` (bumped by a release
//   while `async_waiters` is not 0) and `async_waiters` (how many processes
//   run a watcher, core/named_lock.h).
// Implementations:
//   platform/process_mutex_posix.cc  Linux: a PTHREAD_PROCESS_SHARED +
//       PTHREAD_MUTEX_ROBUST mutex in a POSIX shared-memory object
//       (/dev/shm/os-mutex.<euid>.<name>, mode 0600, contract::kNamedObjectBytes
//       bytes), futex wake-ups. macOS: a kernel file lock (flock) on
//       $TMPDIR/os-mutex.<euid>/<name>.lock, threads of one process serialised
//       by an in-process mutex first; no robust mutex exists there.
//   platform/process_mutex_win.cc  a named kernel mutex (CreateMutexW) in the
//       session namespace, a named file mapping for the record, a named
//       semaphore for async wake-ups.
//
// The mutex is not recursive and knows nothing of JavaScript: core/named_lock.h
// keeps the in-process holder and never locks it twice from one thread.
// Preconditions are the OS's: unlock() only by the thread that locked it.
// Nothing here throws.
#ifndef OS_MUTEX_PLATFORM_PROCESS_MUTEX_H_
#define OS_MUTEX_PLATFORM_PROCESS_MUTEX_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "platform/os_mutex.h"

#if defined(__APPLE__) || defined(OS_MUTEX_NAMED_VIA_FLOCK)
// macOS has no robust mutexes: named locks are kernel file locks there.
// Defining OS_MUTEX_NAMED_VIA_FLOCK selects the same code on Linux, so it
// is tested.
#define OS_MUTEX_NAMED_FLOCK 1
#endif

namespace os_mutex {

struct NamedOwner {
  int32_t pid = 0;        // 0: nobody
  int32_t thread_id = 0;  // Node threadId in that process
};

enum class LockResult {
  kBusy,               // not acquired (held elsewhere, or the deadline passed)
  kAcquired,           // acquired
  kAcquiredAbandoned,  // acquired; the previous holder died holding it
};

class ProcessMutex {
 public:
  // Opens the lock `name` of the current OS user, creating it (kind `kind`)
  // when it does not exist. `name` is already validated (lib/backends/named.ts:
  // 1..contract::kNamedNameMax characters of A-Z a-z 0-9 . _ -, no ".."). On
  // failure returns null, `*code` is a contract::kNamedOpen* code and
  // `*error` says why (for kNamedOpenFailed / kNamedOpenAccessDenied). BLOCKS
  // only while another process initialises the same object (a file lock held
  // for a few system calls; the kernel drops it if that process dies).
  static ProcessMutex* Open(const std::string& name, int32_t kind, int32_t* code,
                            std::string* error);

  // Removes the OS object of `name` (current user). 1 when it existed and was
  // removed, 0 when there was none (always 0 on Windows, where kernel objects
  // vanish with their last handle), contract::kNamedOpenAccessDenied when
  // another user owns it, kNamedOpenFailed otherwise (`*error` says why).
  // Processes that have it open keep using the old object: only a name that
  // no process uses may be removed. Never blocks.
  static int32_t Remove(const std::string& name, std::string* error);

  // The current OS user as named in handles and object names: the effective
  // uid in decimal (POSIX), the user's SID string (Windows). Empty when the
  // OS cannot say (Windows: no token). Never blocks.
  static std::string CurrentUser();

  // Unmaps / closes this process's view. Precondition: not held by this
  // process, no watcher running on it.
  ~ProcessMutex();
  ProcessMutex(const ProcessMutex&) = delete;
  ProcessMutex& operator=(const ProcessMutex&) = delete;

  int32_t kind() const { return kind_; }

  // Never blocks (beyond the OS's short internal lock). Acquires when free.
  LockResult try_lock();

  // BLOCKS the calling thread until it holds the mutex or `deadline` passes
  // on the monotonic clock (macOS: retries every millisecond or so, see the
  // .cc). Precondition: the calling thread does not hold it.
  LockResult lock_until(Clock::time_point deadline);

  // Never blocks. Releases, then wakes the async watchers of every process
  // when any is registered. Precondition: the calling thread holds it, and
  // has cleared the owner record.
  void unlock();

  // The owner record (shared by every process). Never block. owner() reads
  // nobody when the record names another process that no longer exists.
  void set_owner(int32_t thread_id);
  void clear_owner();
  NamedOwner owner() const;

  // Marks the lock abandoned (a holder died holding it): the next holder's
  // acquisition reports kAcquiredAbandoned. Call before unlock(). Never blocks.
  void mark_abandoned();

  // --- Async waiters of other processes (core/named_lock.h's watcher) -------
  // Each process with async waiters runs one watcher: it registers (add),
  // snapshots wake_seq, then sleeps in wait_for_wake until a release changes
  // it, and unregisters (remove) when it stops. Never block, except
  // wait_for_wake.
  void add_watcher();
  void remove_watcher();
  uint32_t wake_seq() const;
  // BLOCKS the calling thread until wake_seq is no longer `seen`, or `ms`
  // milliseconds pass, or a spurious wake-up.
  void wait_for_wake(uint32_t seen, int ms);
  // Interrupts every wait_for_wake on this object in this process (and,
  // harmlessly, elsewhere: they see no change and wait again). Never blocks.
  void interrupt_waits();

  // For a watcher whose wait timed out: detects a holder that died without
  // releasing (killed). When the lock is free, or held by a dead holder (then
  // it is recovered: marked abandoned, made consistent, released, and every
  // process's watchers woken), returns true: waiters should retry. Returns
  // false while a live holder has it. Never blocks.
  bool probe();

 private:
  ProcessMutex() = default;
  int32_t kind_ = 0;
#if defined(_WIN32)
  HANDLE mutex_ = nullptr;      // named kernel mutex
  HANDLE mapping_ = nullptr;    // named file mapping (the record)
  HANDLE semaphore_ = nullptr;  // named semaphore: async wake-ups
  HANDLE interrupt_ = nullptr;  // unnamed event: interrupt_waits() in this process
  void* view_ = nullptr;
#elif defined(OS_MUTEX_NAMED_FLOCK)
  int fd_ = -1;                 // the lock file: flock(LOCK_EX) while held
  void* view_ = nullptr;        // the record, mapped from the same file
  // Serialises this process's threads first: a flock belongs to the open
  // file, which all threads of the process share.
  pthread_mutex_t local_ = PTHREAD_MUTEX_INITIALIZER;
  std::atomic<bool> interrupted_{false};  // interrupt_waits()
#else
  int fd_ = -1;                 // the shm object (kept open: flock for init only)
  void* view_ = nullptr;        // its mapping
#endif
};

}  // namespace os_mutex

#endif  // OS_MUTEX_PLATFORM_PROCESS_MUTEX_H_

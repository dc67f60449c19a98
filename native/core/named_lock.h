// named_lock.h — machine-wide named locks, as one process sees them.
//
// Defines:
//   os_mutex::NamedLock   one name opened in this process: the ProcessMutex
//                         (platform/process_mutex.h), the holder among this
//                         process's threads, the async wakers armed on it,
//                         and the watcher thread that hears releases made by
//                         other processes
//   os_mutex::NamedTable  name -> NamedLock, reference counted (one reference
//                         per environment that opened the name): one mapping
//                         per process per name, shared by all its threads
//
// Threads of one process share a NamedLock with per-thread ownership, as a
// native Mutex: the OS mutex is owned by the thread that locked it, and
// holder() names that thread (Node threadId) so that a re-lock by the holder
// is refused instead of deadlocking.
//
// Async wake-ups. A release in this process wakes the wakers armed here
// directly (WakeList). A release in another process cannot reach them: when a
// thread of this process first arms a wait on a name, this process starts one
// watcher thread for it, which registers in the shared object
// (ProcessMutex::add_watcher: releases then bump wake_seq and wake the
// watchers) and sleeps until wake_seq changes, then wakes the armed
// environments (they retry on their own event loop). A holder that dies
// (SIGKILL) never releases: so the watcher's sleep lasts at most
// kWatchSliceMs, after which, while waiters are armed, it probes the lock
// (ProcessMutex::probe: a dead holder's lock is recovered and marked
// abandoned) and wakes the waiters when it is free. An async waiter thus
// learns of a holder's death within kWatchSliceMs (plus its event loop's
// delay). The watcher stops at the first slice end that finds no waker
// armed.
//
// Thread-safe; nothing here throws.
#ifndef OS_MUTEX_CORE_NAMED_LOCK_H_
#define OS_MUTEX_CORE_NAMED_LOCK_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/wake_list.h"
#include "include/contract.h"
#include "platform/os_thread.h"
#include "platform/process_mutex.h"

namespace os_mutex {

class NamedTable;

class NamedLock {
 public:
  // Longest sleep of a watcher between two looks for a dead holder (ms).
  static constexpr int kWatchSliceMs = 50;

  NamedLock(uint64_t id, std::string name, ProcessMutex* mutex)
      : id(id), name(std::move(name)), kind(mutex->kind()), mutex_(mutex) {}
  // Stops the watcher (BLOCKS until it has ended: at once, it is interrupted)
  // and closes the ProcessMutex. Precondition: no thread holds or waits.
  ~NamedLock();
  NamedLock(const NamedLock&) = delete;
  NamedLock& operator=(const NamedLock&) = delete;

  const uint64_t id;       // never reused in this process; the wake id
  const std::string name;
  const int32_t kind;      // contract::kKindMutex or kKindRecursive
  WakeList wakers;

  // The holder among this process's threads, or contract::kNoOwner. Never blocks.
  int32_t holder() const { return holder_.load(std::memory_order_acquire); }

  // Never blocks. Acquires for thread `thread_id` (the caller) when free;
  // kBusy when held elsewhere or by the caller itself.
  LockResult try_lock(int32_t thread_id);

  // BLOCKS the calling thread until it holds the lock or `deadline` passes;
  // kBusy at once when the caller already holds it (no self-deadlock).
  LockResult lock_until(int32_t thread_id, Clock::time_point deadline);

  // Never blocks. Clears the owner record, releases, wakes the async waiters
  // of this process (armed wakers) and of others (ProcessMutex::unlock).
  // Precondition: holder() == the calling thread's id.
  void unlock();

  // Owner death of this process's thread that holds it (its environment's
  // cleanup, on that thread): marks it abandoned for the next holder, then
  // unlock(). Same precondition.
  void abandon();

  // The holder in any process (a snapshot). Never blocks.
  NamedOwner owner() const { return mutex_->owner(); }

  // Whether NamedTable::forget() detached this lock from its name (the name
  // was removed): new opens of the name get a new lock. Never blocks.
  bool forgotten() const { return forgotten_.load(std::memory_order_acquire); }

  // Asks for one waker->wake(id) after the next release in any process;
  // starts this process's watcher when it is not running. Callers arm, then
  // try the lock. Blocks only on short mutexes (and the join of a watcher
  // that has already ended).
  void arm(AsyncWaker* waker);
  // Cancels arm(waker). Blocks only on the wake list's short mutex.
  void disarm(AsyncWaker* waker) { wakers.disarm(waker); }

 private:
  friend class NamedTable;
  void Watch(uint32_t seen);

  ProcessMutex* const mutex_;
  std::atomic<int32_t> holder_{contract::kNoOwner};
  std::atomic<bool> forgotten_{false};
  int refs_ = 0;  // guarded by the NamedTable's mutex

  // The watcher thread's main: Watch(watch_from_) of the NamedLock `self`.
  static void WatcherMain(void* self);
  // An OsThread, not std::thread: it reports an OS refusal instead of
  // throwing (no C++ exception may reach Node).
  OsThread watcher_;        // started and joined under watch_mutex_ (and by ~NamedLock)
  uint32_t watch_from_ = 0; // the wake_seq the watcher starts from (set before it starts)

  std::mutex watch_mutex_;
  bool watching_ = false; // guarded by watch_mutex_: the watcher is registered and running
  bool stop_ = false;     // guarded by watch_mutex_
};

class NamedTable {
 public:
  // The table of this process; never destroyed.
  static NamedTable& instance();

  // The lock `name` of kind `kind`, with one more reference for the caller;
  // opens (or creates) the OS object on the first reference. Null on
  // failure, with a contract::kNamedOpen* code in `*code` (and `*error`).
  // BLOCKS only as ProcessMutex::Open does.
  NamedLock* acquire(const std::string& name, int32_t kind, int32_t* code, std::string* error);

  // Drops a reference; the last one stops the watcher and closes the OS
  // object (this process's view: the object itself stays). BLOCKS then until
  // the watcher thread has ended (it is interrupted: at once on Linux and
  // Windows, within a millisecond on macOS). Precondition: the caller's
  // thread does not hold the lock.
  void release(NamedLock* lock);

  // Detaches the lock open under `name` (after its OS object was removed):
  // it lives on for its references, marked forgotten(), and the next
  // acquire() of the name opens the OS object anew. Never blocks beyond the
  // table's mutex.
  void forget(const std::string& name);

  // Locks open in this process, forgotten ones included (tests: leak checks).
  size_t size();

 private:
  NamedTable() = default;
  std::mutex mutex_;
  std::unordered_map<std::string, NamedLock*> locks_;  // guarded by mutex_
  uint64_t next_id_ = 1;                               // guarded by mutex_
  size_t live_ = 0;                                    // guarded by mutex_: locks not yet deleted
};

}  // namespace os_mutex

#endif  // OS_MUTEX_CORE_NAMED_LOCK_H_

// named_lock.cc — NamedLock and NamedTable (see named_lock.h).
#include "core/named_lock.h"

#include <utility>

namespace os_mutex {

NamedLock::~NamedLock() {
  {
    std::lock_guard<std::mutex> hold(watch_mutex_);
    stop_ = true;
  }
  mutex_->interrupt_waits();
  if (watcher_.joinable()) watcher_.join();  // BLOCKS until the watcher has seen stop_
  delete mutex_;
}

LockResult NamedLock::try_lock(int32_t thread_id) {
  if (holder() == thread_id) return LockResult::kBusy;
  LockResult result = mutex_->try_lock();
  if (result != LockResult::kBusy) {
    holder_.store(thread_id, std::memory_order_relaxed);
    mutex_->set_owner(thread_id);
  }
  return result;
}

// BLOCKS until held or the deadline passes.
LockResult NamedLock::lock_until(int32_t thread_id, Clock::time_point deadline) {
  if (holder() == thread_id) return LockResult::kBusy;
  LockResult result = mutex_->lock_until(deadline);
  if (result != LockResult::kBusy) {
    holder_.store(thread_id, std::memory_order_relaxed);
    mutex_->set_owner(thread_id);
  }
  return result;
}

void NamedLock::unlock() {
  mutex_->clear_owner();
  holder_.store(contract::kNoOwner, std::memory_order_relaxed);
  mutex_->unlock();
  wakers.wake_after_unlock(id);
}

void NamedLock::abandon() {
  mutex_->mark_abandoned();
  unlock();
}

void NamedLock::arm(AsyncWaker* waker) {
  std::lock_guard<std::mutex> hold(watch_mutex_);
  wakers.arm(waker);
  if (watching_ || stop_) return;
  // A watcher that stopped earlier has left (it takes watch_mutex_ no more):
  // the join returns at once.
  if (watcher_.joinable()) watcher_.join();
  watching_ = true;
  // Registered before the caller's try (arm, then try): a release after
  // that try sees async_waiters != 0 and bumps wake_seq past `seen`.
  mutex_->add_watcher();
  watch_from_ = mutex_->wake_seq();
  if (!watcher_.start(&NamedLock::WatcherMain, this)) {
    // No thread (the OS refused one: a resource limit). Nothing would hear
    // another process's release, so the armed waiters are woken at once to
    // try again on their event loops (each retry arms, and so tries to start
    // the watcher, again): they poll while threads are short, and never
    // wait on a wake-up that cannot come.
    watching_ = false;
    mutex_->remove_watcher();
    wakers.wake_after_unlock(id);
  }
}

void NamedLock::WatcherMain(void* self) {
  auto* lock = static_cast<NamedLock*>(self);
  lock->Watch(lock->watch_from_);  // written before the thread started
}

// The watcher thread (see named_lock.h). BLOCKS in slices of kWatchSliceMs.
void NamedLock::Watch(uint32_t seen) {
  for (;;) {
    mutex_->wait_for_wake(seen, kWatchSliceMs);  // BLOCKS up to a slice
    const uint32_t now = mutex_->wake_seq();
    const bool released = now != seen;  // a release, in any process
    seen = now;
    {
      std::lock_guard<std::mutex> hold(watch_mutex_);
      if (stop_ || (!released && !wakers.armed())) {
        watching_ = false;
        mutex_->remove_watcher();
        return;
      }
    }
    // No release for a whole slice while waiters are armed: a holder that
    // died without releasing is recovered here (probe() then wakes every
    // process's watchers), and a free lock is reported.
    if (released || mutex_->probe()) wakers.wake_after_unlock(id);
  }
}

NamedTable& NamedTable::instance() {
  static NamedTable* table = new NamedTable();  // never destroyed, as LockTable
  return *table;
}

NamedLock* NamedTable::acquire(const std::string& name, int32_t kind, int32_t* code,
                               std::string* error) {
  std::lock_guard<std::mutex> hold(mutex_);
  auto it = locks_.find(name);
  if (it != locks_.end()) {
    NamedLock* lock = it->second;
    if (lock->kind != kind) {
      *code = lock->kind == contract::kKindRecursive ? contract::kNamedOpenIsRecursive
                                                      : contract::kNamedOpenIsMutex;
      return nullptr;
    }
    ++lock->refs_;
    return lock;
  }
  // BLOCKS as ProcessMutex::Open (another process initialising the object).
  ProcessMutex* mutex = ProcessMutex::Open(name, kind, code, error);
  if (mutex == nullptr) return nullptr;
  auto* lock = new NamedLock(next_id_++, name, mutex);
  lock->refs_ = 1;
  locks_.emplace(name, lock);
  ++live_;
  return lock;
}

void NamedTable::release(NamedLock* lock) {
  {
    std::lock_guard<std::mutex> hold(mutex_);
    if (--lock->refs_ > 0) return;
    auto it = locks_.find(lock->name);
    if (it != locks_.end() && it->second == lock) locks_.erase(it);  // not a newer lock of the name
    --live_;
  }
  delete lock;  // stops its watcher: outside the table's mutex
}

void NamedTable::forget(const std::string& name) {
  std::lock_guard<std::mutex> hold(mutex_);
  auto it = locks_.find(name);
  if (it == locks_.end()) return;
  it->second->forgotten_.store(true, std::memory_order_release);
  locks_.erase(it);
}

size_t NamedTable::size() {
  std::lock_guard<std::mutex> hold(mutex_);
  return live_;
}

}  // namespace os_mutex

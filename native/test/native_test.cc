// native_test.cc — tests of the native core (core/, platform/) without Node:
// OsMutex (lock, try_lock, timed waits), the lock table (reference counts,
// ids, kinds, words), owner death (native locks an environment opened,
// Atomics-backend lock words, condition waiter slots, reader-writer locks), async wake lists, and the wait graph with its
// own mutex, and named locks (one process's threads, a thread that ends
// holding one, the watcher's wake-ups), with several threads hammering each. Built and run under ThreadSanitizer and
// under AddressSanitizer + UndefinedBehaviorSanitizer by scripts/test-native.sh.
//
// Prints one line per test and ends with `N passed, N failed`.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "core/lock_state.h"
#include "core/lock_table.h"
#include "core/named_lock.h"
#include "core/owner_death.h"
#include "core/wait_graph.h"
#include "platform/os_mutex.h"

using os_mutex::Clock;
using os_mutex::LockState;
using os_mutex::LockTable;
using os_mutex::OsMutex;
using os_mutex::SharedWord;
using os_mutex::WaitGraph;
namespace contract = os_mutex::contract;
constexpr int32_t kMutex = contract::kKindMutex;
constexpr int32_t kRecursive = contract::kKindRecursive;
constexpr int32_t kNoOwner = contract::kNoOwner;
using namespace std::chrono_literals;

namespace {

int g_failures_in_test = 0;

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "    CHECK failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      ++g_failures_in_test;                                                           \
    }                                                                                 \
  } while (0)

void run_threads(int n, const std::function<void(int)>& body) {
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) threads.emplace_back(body, i);
  for (auto& t : threads) t.join();
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void test_single_thread_basics() {
  OsMutex m;
  CHECK(m.try_lock());
  CHECK(!m.try_lock());  // NORMAL mutex: a second try by the holder fails, never blocks
  m.unlock();
  m.lock();
  m.unlock();
  CHECK(m.lock_until(Clock::now()));  // free: a past deadline still tries once
  CHECK(!m.lock_until(Clock::now() + 5ms));  // held by us: times out
  m.unlock();
}

void test_mutual_exclusion() {
  OsMutex m;
  long counter = 0;  // plain memory: TSan reports any unprotected access
  constexpr int kThreads = 8, kIterations = 20000;
  run_threads(kThreads, [&](int t) {
    for (int i = 0; i < kIterations; ++i) {
      switch ((i + t) % 3) {
        case 0: m.lock(); break;
        case 1: while (!m.try_lock()) std::this_thread::yield(); break;
        default: while (!m.lock_until(Clock::now() + 10ms)) {} break;
      }
      ++counter;
      m.unlock();
    }
  });
  CHECK(counter == static_cast<long>(kThreads) * kIterations);
}

void test_timed_wait_times_out_not_before() {
  OsMutex m;
  std::atomic<bool> held{false}, release{false};
  std::thread holder([&] {
    m.lock();
    held = true;
    while (!release) std::this_thread::sleep_for(1ms);
    m.unlock();
  });
  while (!held) std::this_thread::sleep_for(1ms);
  auto start = Clock::now();
  CHECK(!m.lock_until(Clock::now() + 60ms));
  double waited = ms_since(start);
  CHECK(waited >= 59.0);
  CHECK(waited < 2000.0);
  // succeeds once released within the deadline
  std::thread releaser([&] {
    std::this_thread::sleep_for(30ms);
    release = true;
  });
  start = Clock::now();
  CHECK(m.lock_until(Clock::now() + 5s));
  CHECK(ms_since(start) < 4000.0);
  m.unlock();
  holder.join();
  releaser.join();
}

// The shared words of one lock, as JavaScript would allocate them.
struct Words {
  Words() {
    w[contract::kMetaOwner].store(kNoOwner);
    for (int i = 1; i < contract::kMetaWords; ++i) w[i].store(0);
  }
  SharedWord w[contract::kMetaWords];
};

void test_table_refs_ids_kinds() {
  LockTable& t = LockTable::instance();
  size_t before = t.size();
  Words wa, wb, other;
  LockState* a = t.create(kMutex, wa.w);
  LockState* b = t.create(kRecursive, wb.w);
  CHECK(b->id > a->id);
  CHECK(a->words == wa.w && a->kind == kMutex);
  CHECK(t.size() == before + 2);
  CHECK(t.find_and_ref(a->id, kRecursive, wa.w) == nullptr);  // wrong kind
  CHECK(t.find_and_ref(a->id, kMutex, other.w) == nullptr);   // other memory
  CHECK(t.find_and_ref(a->id, kMutex, wb.w) == nullptr);      // another lock's memory
  CHECK(t.find_and_ref(b->id + 1000000, kRecursive, wb.w) == nullptr);  // unknown id
  LockState* again = t.find_and_ref(a->id, kMutex, wa.w);
  CHECK(again == a);
  uint64_t a_id = a->id;
  t.release(a);
  t.release(again);  // the last reference frees it
  CHECK(t.find_and_ref(a_id, kMutex, wa.w) == nullptr);  // and its id is gone for good
  LockState* c = t.create(kMutex, wa.w);  // same memory, new lock: a new id
  CHECK(c->id > b->id);
  t.release(c);
  t.release(b);
  CHECK(t.size() == before);
  LockTable separate;  // tables are independent: their own ids, tag, mutex
  LockState* d = separate.create(kMutex, wa.w);
  CHECK(separate.size() == 1 && d->id == 1);
  separate.release(d);
  CHECK(separate.size() == 0);
}

void test_table_concurrent_lifetimes() {
  LockTable& t = LockTable::instance();
  size_t before = t.size();
  Words shared_words;
  LockState* shared = t.create(kMutex, shared_words.w);
  uint64_t id = shared->id;
  run_threads(8, [&](int i) {
    for (int n = 0; n < 2000; ++n) {
      Words mine_words;
      LockState* mine = t.create(i % 2 ? kMutex : kRecursive, mine_words.w);
      LockState* found = t.find_and_ref(id, kMutex, shared_words.w);
      if (found != nullptr) {
        found->mutex.lock();
        found->words[contract::kMetaCount].fetch_add(1, std::memory_order_relaxed);
        found->mutex.unlock();
        t.release(found);
      }
      t.release(mine);
    }
  });
  CHECK(shared_words.w[contract::kMetaCount].load() == 8 * 2000);
  t.release(shared);
  CHECK(t.size() == before);
}

void test_lock_state_owner_word() {
  Words words;
  LockState s(1, kMutex, words.w);
  CHECK(s.owner() == kNoOwner);
  CHECK(s.try_lock(7));
  CHECK(s.owner() == 7);
  CHECK(!s.try_lock(7));  // held, also by the caller: false, never blocks
  CHECK(!s.lock_until(7, Clock::now() + 1s));  // the holder gets false at once
  s.unlock_and_wake();
  CHECK(s.owner() == kNoOwner);
  CHECK(s.lock_until(8, Clock::now()));
  CHECK(s.owner() == 8);
  CHECK(words.w[contract::kMetaOwner].load() == 8);  // the shared word mirrors it
  // JavaScript can write the shared word (it is in the handle's buffer): a
  // forged OWNER must not change who C++ thinks holds the OS mutex.
  words.w[contract::kMetaOwner].store(9);
  CHECK(s.owner() == 8);
  CHECK(!AbandonIfHeldBy(&s, 9));  // owner death of "9" leaves 8's lock alone
  s.unlock_and_wake();
  CHECK(s.owner() == kNoOwner);
  CHECK(words.w[contract::kMetaOwner].load() == kNoOwner);
}

// Owner death: a thread that exits holding locks has them released, on its
// own thread, from the list of locks its environment opened: flagged
// abandoned, count reset, each released once even when listed twice; locks
// it does not hold are left alone.
void test_owner_death_of_opened_locks() {
  LockTable& t = LockTable::instance();
  Words wp, wr, wf, wo;
  LockState* plain = t.create(kMutex, wp.w);
  LockState* rec = t.create(kRecursive, wr.w);
  LockState* free_lock = t.create(kMutex, wf.w);
  LockState* others = t.create(kMutex, wo.w);
  constexpr int32_t kDying = 900001, kOther = 900002;
  std::atomic<bool> other_holds{false}, other_release{false};
  std::thread other([&] {
    CHECK(others->try_lock(kOther));
    other_holds = true;
    while (!other_release) std::this_thread::sleep_for(1ms);
    others->unlock_and_wake();
  });
  while (!other_holds) std::this_thread::sleep_for(1ms);
  std::thread dying([&] {
    CHECK(plain->try_lock(kDying));
    plain->words[contract::kMetaCount].store(1);
    CHECK(rec->try_lock(kDying));
    rec->words[contract::kMetaCount].store(3);
    // The environment's entries: `plain` opened twice, plus locks it does not hold.
    std::vector<LockState*> opened = {plain, rec, free_lock, plain, others};
    CHECK(os_mutex::AbandonLocksHeldBy(opened, kDying) == 2);  // the cleanup hook
    CHECK(os_mutex::AbandonLocksHeldBy(opened, kDying) == 0);
  });
  dying.join();
  for (LockState* s : {plain, rec}) {
    CHECK(s->owner() == kNoOwner);
    CHECK(s->words[contract::kMetaCount].load() == 0);
    CHECK((s->words[contract::kMetaFlags].load() & contract::kFlagAbandoned) != 0);
    CHECK(s->try_lock(1));
    s->unlock_and_wake();
  }
  CHECK((wf.w[contract::kMetaFlags].load() & contract::kFlagAbandoned) == 0);
  CHECK(others->owner() == kOther);  // another thread's lock is untouched
  CHECK((wo.w[contract::kMetaFlags].load() & contract::kFlagAbandoned) == 0);
  other_release = true;
  other.join();
  for (LockState* s : {plain, rec, free_lock, others}) t.release(s);
}

// Owner death frees a dying holder's lock for a thread blocked on it, and
// wakes its async waiters.
void test_owner_death_wakes_waiters() {
  Words words;
  LockState s(2, kMutex, words.w);
  struct Waker final : os_mutex::AsyncWaker {
    std::atomic<int> wakes{0};
    void wake(uint64_t) override { wakes.fetch_add(1); }
  } waker;
  std::atomic<bool> held{false}, die{false};
  std::thread dying([&] {
    CHECK(s.try_lock(5));
    held = true;
    while (!die) std::this_thread::sleep_for(1ms);
    CHECK(os_mutex::AbandonIfHeldBy(&s, 5));
  });
  while (!held) std::this_thread::sleep_for(1ms);
  s.wakers.arm(&waker);
  std::thread waiter([&] {
    CHECK(s.lock_until(6, Clock::now() + 10s));
    CHECK(s.owner() == 6);
    s.unlock_and_wake();
  });
  std::this_thread::sleep_for(20ms);
  die = true;
  dying.join();
  waiter.join();
  CHECK(waker.wakes.load() == 1);
  CHECK((words.w[contract::kMetaFlags].load() & contract::kFlagAbandoned) != 0);
}

// The Atomics backend's lock word: (threadId + 1) << shift, | waiters bit.
void test_owner_death_of_atomics_locks() {
  SharedWord w[contract::kAtomicsWords];
  for (auto& word : w) word.store(0);
  w[contract::kMetaOwner].store(kNoOwner);
  w[contract::kAtomicsMagicAt].store(contract::kAtomicsMagic);
  constexpr int32_t kDying = 41, kOther = 42;
  CHECK(os_mutex::AtomicsHolderWord(kDying) == (kDying + 1) << contract::kAtomicsHolderShift);
  CHECK(os_mutex::AtomicsHolderWord(2147483647) == 0);  // wraps as JavaScript's << does
  CHECK(!os_mutex::AtomicsLockHeldBy(w, kNoOwner));  // kNoOwner holds nothing, not even a free lock
  CHECK(!os_mutex::AbandonAtomicsLockIfHeldBy(w, kDying));  // free
  w[contract::kAtomicsState].store(os_mutex::AtomicsHolderWord(kOther));
  CHECK(!os_mutex::AbandonAtomicsLockIfHeldBy(w, kDying));  // another thread's
  CHECK(w[contract::kAtomicsState].load() == os_mutex::AtomicsHolderWord(kOther));
  // held by the dying thread, with waiters parked; others keep setting the
  // waiters bit while it dies
  w[contract::kAtomicsState].store(os_mutex::AtomicsHolderWord(kDying) | contract::kAtomicsWaiters);
  w[contract::kMetaOwner].store(kDying);
  w[contract::kMetaCount].store(2);
  std::atomic<bool> stop{false};
  std::thread setter([&] {
    while (!stop) {
      int32_t word = w[contract::kAtomicsState].load();
      if (word != 0) w[contract::kAtomicsState].compare_exchange_weak(word, word | contract::kAtomicsWaiters);
    }
  });
  std::thread dying([&] { CHECK(os_mutex::AbandonAtomicsLockIfHeldBy(w, kDying)); });
  dying.join();
  stop = true;
  setter.join();
  CHECK(w[contract::kAtomicsState].load() == 0);
  CHECK(w[contract::kMetaOwner].load() == kNoOwner);
  CHECK(w[contract::kMetaCount].load() == 0);
  CHECK((w[contract::kMetaFlags].load() & contract::kFlagAbandoned) != 0);
}

// A condition's buffer (contract::kCond*), as lib/api/condition.ts lays it out.
struct CondWords {
  explicit CondWords(int32_t capacity)
      : capacity(capacity), w(contract::kCondSlotsAt + capacity * contract::kCondSlotWords) {
    for (auto& word : w) word.store(0);
    w[contract::kCondCapacityAt].store(capacity);
    w[contract::kCondMagicAt].store(contract::kCondMagic);
  }
  SharedWord* slot(int32_t i) { return &w[contract::kCondSlotsAt + i * contract::kCondSlotWords]; }
  // As condition.ts's #enter: OWNER and TICKET first, then STATE.
  void wait_in(int32_t i, int32_t owner, int32_t ticket, int32_t state = contract::kCondWaiting) {
    slot(i)[contract::kCondSlotOwner].store(owner);
    slot(i)[contract::kCondSlotTicket].store(ticket);
    slot(i)[contract::kCondSlotState].store(state);
    w[contract::kCondWaiters].fetch_add(1);
  }
  int32_t state(int32_t i) { return slot(i)[contract::kCondSlotState].load(); }
  const int32_t capacity;
  std::vector<SharedWord> w;
};

// As condition.ts's notify(1): the oldest WAITING slot (wrap-safe tickets)
// to NOTIFIED, retried when the slot changes under it.
bool notify_one(CondWords& c) {
  for (;;) {
    int32_t oldest = -1, oldest_ticket = 0;
    for (int32_t i = 0; i < c.capacity; ++i) {
      if (c.state(i) != contract::kCondWaiting) continue;
      int32_t ticket = c.slot(i)[contract::kCondSlotTicket].load();
      if (oldest < 0 || static_cast<int32_t>(static_cast<uint32_t>(ticket) - static_cast<uint32_t>(oldest_ticket)) < 0) {
        oldest = i;
        oldest_ticket = ticket;
      }
    }
    if (oldest < 0) return false;
    int32_t expected = contract::kCondWaiting;
    if (c.slot(oldest)[contract::kCondSlotState].compare_exchange_strong(expected, contract::kCondNotified)) return true;
  }
}

// Owner death in a condition: the dying thread's WAITING and NOTIFIED slots
// are freed and counted; a notification it had not consumed passes to the
// oldest live waiter (tickets compared across the int32 wrap); other
// threads' slots are untouched.
void test_owner_death_of_condition_waiters() {
  constexpr int32_t kDying = 31, kOther = 32;
  CondWords c(5);
  CHECK(!os_mutex::CondHasWaiterOf(c.w.data(), c.capacity, kDying));
  c.wait_in(0, kDying, 5);
  c.wait_in(1, kDying, 3, contract::kCondNotified);
  c.wait_in(2, kOther, 2147483646);   // older than slot 3: the sequence wrapped after it
  c.wait_in(3, kOther, -2147483647);
  c.slot(4)[contract::kCondSlotOwner].store(kDying);  // FREE slot with a stale OWNER: not a waiter
  CHECK(os_mutex::CondHasWaiterOf(c.w.data(), c.capacity, kDying));
  CHECK(!os_mutex::CondHasWaiterOf(c.w.data(), c.capacity, kNoOwner));
  CHECK(os_mutex::RemoveCondWaitersOf(c.w.data(), c.capacity, kNoOwner) == 0);
  CHECK(os_mutex::RemoveCondWaitersOf(c.w.data(), c.capacity, kDying) == 2);
  CHECK(c.state(0) == contract::kCondFree && c.state(1) == contract::kCondFree);
  CHECK(c.state(2) == contract::kCondNotified);  // the oldest live waiter got the notification
  CHECK(c.state(3) == contract::kCondWaiting);
  CHECK(c.state(4) == contract::kCondFree);
  CHECK(c.w[contract::kCondWaiters].load() == 2);
  CHECK(c.w[contract::kCondDeaths].load() == 2);
  CHECK(!os_mutex::CondHasWaiterOf(c.w.data(), c.capacity, kDying));
  CHECK(os_mutex::RemoveCondWaitersOf(c.w.data(), c.capacity, kDying) == 0);
  // A notification with no live waiter to pass to is dropped.
  CondWords lone(2);
  lone.wait_in(1, kDying, 1, contract::kCondNotified);
  CHECK(os_mutex::RemoveCondWaitersOf(lone.w.data(), lone.capacity, kDying) == 1);
  CHECK(lone.state(0) == contract::kCondFree && lone.state(1) == contract::kCondFree);
  CHECK(lone.w[contract::kCondWaiters].load() == 0 && lone.w[contract::kCondDeaths].load() == 1);

  // Hammered: while threads die out of their slots, a notifier gives k <= (live
  // waiters) notifications; none is lost and none lands on a dead slot.
  for (int round = 0; round < 200; ++round) {
    constexpr int32_t kDyingThreads = 3, kPerDying = 4, kLive = 6, kNotifies = 5;
    CondWords h(kDyingThreads * kPerDying + kLive);
    int32_t ticket = 2147483640;  // wraps to negative during the round
    // Interleave owners so dying and live slots alternate in ticket order.
    std::vector<int32_t> owners;
    for (int32_t i = 0; i < kLive; ++i) {
      owners.push_back(100);  // live
      for (int32_t d = 0; d < kDyingThreads && i < kPerDying; ++d) owners.push_back(200 + d);
    }
    for (int32_t i = 0; i < h.capacity; ++i) {
      h.wait_in(i, owners[i], ticket);
      ticket = static_cast<int32_t>(static_cast<uint32_t>(ticket) + 1);  // wraps as JavaScript's does
    }
    std::atomic<int> given{0};
    std::thread notifier([&] {
      for (int n = 0; n < kNotifies; ++n) {
        if (notify_one(h)) given.fetch_add(1);
      }
    });
    run_threads(kDyingThreads, [&](int d) {
      CHECK(os_mutex::RemoveCondWaitersOf(h.w.data(), h.capacity, 200 + d) == kPerDying);
    });
    notifier.join();
    int live_notified = 0, live_waiting = 0;
    for (int32_t i = 0; i < h.capacity; ++i) {
      if (owners[i] != 100) {
        CHECK(h.state(i) == contract::kCondFree);
        continue;
      }
      if (h.state(i) == contract::kCondNotified) ++live_notified;
      if (h.state(i) == contract::kCondWaiting) ++live_waiting;
    }
    CHECK(given.load() == kNotifies);
    CHECK(live_notified == kNotifies);
    CHECK(live_waiting == kLive - kNotifies);
    CHECK(h.w[contract::kCondWaiters].load() == kLive);
    CHECK(h.w[contract::kCondDeaths].load() == kDyingThreads * kPerDying);
  }
}

// A reader-writer lock's buffer (contract::kRw*), as lib/api/rwlock.ts lays it out.
struct RwWords {
  explicit RwWords(int32_t capacity)
      : capacity(capacity), w(contract::kRwSlotsAt + capacity * contract::kRwSlotWords) {
    for (auto& word : w) word.store(0);
    w[contract::kRwCapacityAt].store(capacity);
    w[contract::kRwMagicAt].store(contract::kRwMagic);
    for (int32_t i = 0; i < capacity; ++i) slot(i)[contract::kRwSlotOwner].store(kNoOwner);
  }
  SharedWord* slot(int32_t i) { return &w[contract::kRwSlotsAt + i * contract::kRwSlotWords]; }
  void read(int32_t i, int32_t owner, int32_t count) {
    slot(i)[contract::kRwSlotOwner].store(owner);
    slot(i)[contract::kRwSlotCount].store(count);
  }
  bool drained() {
    for (int32_t i = 0; i < capacity; ++i) {
      if (slot(i)[contract::kRwSlotCount].load() != 0) return false;
    }
    return true;
  }
  const int32_t capacity;
  std::vector<SharedWord> w;
};

// Owner death in a reader-writer lock: a dying reader's slots are freed and
// their shares returned (the drain sequence bumped for a waiting writer); a
// dying writer frees the writer word, flagged abandoned only when it held the
// write side; other threads' slots and claims are untouched.
void test_owner_death_of_rwlock() {
  using os_mutex::AtomicsHolderWord;
  constexpr int32_t kDying = 51, kOther = 52, kWriter = 53;
  RwWords r(4);
  CHECK(!os_mutex::RwLockUsedBy(r.w.data(), r.capacity, kDying));
  CHECK(!os_mutex::RwLockUsedBy(r.w.data(), r.capacity, kNoOwner));  // free slots name nobody
  r.read(0, kOther, 2);
  r.read(1, kDying, 3);
  r.read(3, kDying, 0);  // taken, share not (yet) counted: freed all the same
  r.w[contract::kRwWriter].store(AtomicsHolderWord(kWriter));  // a writer waiting for the drain
  CHECK(os_mutex::RwLockUsedBy(r.w.data(), r.capacity, kDying));
  CHECK(os_mutex::RwLockUsedBy(r.w.data(), r.capacity, kWriter));
  CHECK(os_mutex::AbandonRwLockOf(r.w.data(), r.capacity, kNoOwner) == 0);
  CHECK(os_mutex::AbandonRwLockOf(r.w.data(), r.capacity, kDying) == 2);
  CHECK(r.slot(1)[contract::kRwSlotOwner].load() == kNoOwner && r.slot(1)[contract::kRwSlotCount].load() == 0);
  CHECK(r.slot(3)[contract::kRwSlotOwner].load() == kNoOwner);
  CHECK(r.slot(0)[contract::kRwSlotOwner].load() == kOther && r.slot(0)[contract::kRwSlotCount].load() == 2);
  CHECK(r.w[contract::kRwDrainSeq].load() == 1);
  CHECK(r.w[contract::kRwWriter].load() == AtomicsHolderWord(kWriter));
  CHECK(r.w[contract::kRwFlags].load() == 0);
  CHECK(!os_mutex::RwLockUsedBy(r.w.data(), r.capacity, kDying));
  // A writer that dies still waiting for readers: its claim goes, not abandoned.
  CHECK(os_mutex::AbandonRwLockOf(r.w.data(), r.capacity, kWriter) == 1);
  CHECK(r.w[contract::kRwWriter].load() == 0 && r.w[contract::kRwFlags].load() == 0);
  // A writer that dies holding the write side: freed and abandoned.
  r.w[contract::kRwWriter].store(AtomicsHolderWord(kWriter) | contract::kRwWriteHeld);
  CHECK(os_mutex::AbandonRwLockOf(r.w.data(), r.capacity, kOther) == 1);  // its slot only
  CHECK(r.w[contract::kRwWriter].load() == (AtomicsHolderWord(kWriter) | contract::kRwWriteHeld));
  CHECK(os_mutex::AbandonRwLockOf(r.w.data(), r.capacity, kWriter) == 1);
  CHECK(r.w[contract::kRwWriter].load() == 0);
  CHECK((r.w[contract::kRwFlags].load() & contract::kFlagAbandoned) != 0);

  // Hammered: a writer claims the lock and waits for the drain while its
  // readers die; it gets in once the last share is returned. Then it dies
  // holding the write side while another writer keeps trying to claim.
  for (int round = 0; round < 100; ++round) {
    constexpr int32_t kReaders = 4, kFirst = 70, kSecond = 71;
    RwWords h(kReaders + 2);
    for (int32_t i = 0; i < kReaders; ++i) h.read(i, 300 + i, i + 1);
    std::atomic<bool> holds{false};
    std::thread writer([&] {
      int32_t expected = 0;
      CHECK(h.w[contract::kRwWriter].compare_exchange_strong(expected, AtomicsHolderWord(kFirst)));
      while (!h.drained()) std::this_thread::yield();
      h.w[contract::kRwWriter].store(AtomicsHolderWord(kFirst) | contract::kRwWriteHeld);
      holds = true;
      CHECK(os_mutex::AbandonRwLockOf(h.w.data(), h.capacity, kFirst) == 1);  // dies holding it
    });
    std::thread second([&] {
      while (!holds) std::this_thread::yield();
      for (;;) {
        int32_t expected = 0;
        if (h.w[contract::kRwWriter].compare_exchange_weak(expected, AtomicsHolderWord(kSecond))) break;
        std::this_thread::yield();
      }
    });
    run_threads(kReaders, [&](int i) {
      CHECK(os_mutex::AbandonRwLockOf(h.w.data(), h.capacity, 300 + i) == 1);
    });
    writer.join();
    second.join();
    CHECK(h.w[contract::kRwDrainSeq].load() == kReaders);
    CHECK(h.w[contract::kRwWriter].load() == AtomicsHolderWord(kSecond));
    CHECK((h.w[contract::kRwFlags].load() & contract::kFlagAbandoned) != 0);
  }
}

struct CountingWaker final : os_mutex::AsyncWaker {
  std::atomic<int> wakes{0};
  void wake(uint64_t) override { wakes.fetch_add(1); }
};

void test_async_wakeups() {
  Words words;
  LockState s(3, kMutex, words.w);
  CountingWaker a, b;
  CHECK(s.try_lock(1));
  s.wakers.arm(&a);
  s.wakers.arm(&a);  // arming twice is one wake
  s.wakers.arm(&b);
  s.unlock_and_wake();
  CHECK(a.wakes == 1 && b.wakes == 1);
  CHECK(s.try_lock(1));
  s.unlock_and_wake();  // one-shot: not armed any more
  CHECK(a.wakes == 1);
  s.wakers.arm(&a);
  s.wakers.disarm(&a);
  s.wakers.disarm(&a);  // disarming a waker not armed is ignored
  CHECK(!s.wakers.armed());
  CHECK(s.try_lock(1));
  s.unlock_and_wake();
  CHECK(a.wakes == 1);
  // hammered: a waker armed before its try never misses the release it needs
  std::atomic<int> lost{0};
  run_threads(4, [&](int t) {
    CountingWaker w;
    for (int i = 0; i < 2000; ++i) {
      if (t % 2 == 0) {
        if (s.try_lock(t)) s.unlock_and_wake();
        continue;
      }
      int seen = w.wakes.load();
      s.wakers.arm(&w);
      if (s.try_lock(t)) {
        s.wakers.disarm(&w);
        s.unlock_and_wake();
        continue;
      }
      // held by someone else: their release must wake us
      auto deadline = Clock::now() + 2s;
      while (w.wakes.load() == seen && Clock::now() < deadline) std::this_thread::yield();
      if (w.wakes.load() == seen) lost.fetch_add(1);
    }
    s.wakers.disarm(&w);  // after this no thread calls w.wake(): w may die
  });
  CHECK(lost == 0);
}

// The wake list's mutex and vector are made by the first arm(): a list never
// armed disarms and unlocks as a no-op, and threads racing to arm a fresh
// list first each get their one wake (the losers' allocations are freed:
// AddressSanitizer's leak check sees them).
void test_wake_list_made_on_first_arm() {
  for (int round = 0; round < 200; ++round) {
    Words words;
    LockState s(4, kMutex, words.w);
    CountingWaker never;
    s.wakers.disarm(&never);
    CHECK(!s.wakers.armed());
    CHECK(s.try_lock(1));
    s.unlock_and_wake();
    CHECK(never.wakes == 0);
    constexpr int kArmers = 4;
    CountingWaker w[kArmers];
    CHECK(s.try_lock(1));
    run_threads(kArmers, [&](int t) { s.wakers.arm(&w[t]); });
    CHECK(s.wakers.armed());
    s.unlock_and_wake();
    for (auto& waker : w) CHECK(waker.wakes == 1);
    CHECK(!s.wakers.armed());
  }
}

// Makes thread id `id` the holder of `s` as C++ records it (the wait graph
// reads LockState::owner(), not the shared word): locks the OS mutex from
// this thread under that id. Frees it first if held.
void hold_as(LockState& s, int32_t id) {
  if (s.owner() != kNoOwner) s.unlock_and_wake();
  if (id != kNoOwner) CHECK(s.try_lock(id));
}

void test_wait_cycles() {
  WaitGraph& g = WaitGraph::instance();
  Words w1, w2, w3;
  LockState l1(11, kMutex, w1.w), l2(12, kRecursive, w2.w), l3(13, kMutex, w3.w);
  constexpr int32_t kA = 800001, kB = 800002, kC = 800003;
  hold_as(l1, kA);
  hold_as(l2, kB);
  hold_as(l3, kC);
  std::vector<WaitGraph::CycleStep> cycle;
  CHECK(!g.wait_and_find_cycle(kA, &l2, &cycle));  // A -> l2 (B), B not waiting
  CHECK(!g.wait_and_find_cycle(kB, &l3, &cycle));  // B -> l3 (C), C not waiting
  CHECK(g.wait_and_find_cycle(kC, &l1, &cycle));   // C -> l1 (A) -> l2 (B) -> l3 (C): a cycle
  CHECK(cycle.size() == 3);
  CHECK(cycle.size() == 3 && cycle[0].thread_id == kC && cycle[0].lock_id == l1.id);
  CHECK(cycle.size() == 3 && cycle[1].thread_id == kA && cycle[1].lock_id == l2.id &&
        cycle[1].kind == kRecursive);
  // the reporter's wait is forgotten: the others see no cycle now
  CHECK(!g.wait_and_find_cycle(kA, &l2, &cycle));
  // a chain that loops without the caller is not reported to it
  g.end_wait(kA);
  g.end_wait(kB);
  hold_as(l2, kA);  // A holds l2 and "waits" for it (a stale entry)
  CHECK(!g.wait_and_find_cycle(kA, &l2, &cycle));
  CHECK(!g.wait_and_find_cycle(kC, &l1, &cycle));
  g.end_wait(kA);
  g.end_wait(kC);
  g.end_wait(kC);  // ending a wait that does not exist is harmless
  // concurrent waits and ends, no cycles, never a report
  std::atomic<int> reports{0};
  hold_as(l1, kNoOwner);
  run_threads(6, [&](int t) {
    std::vector<WaitGraph::CycleStep> local;
    for (int i = 0; i < 3000; ++i) {
      if (g.wait_and_find_cycle(700000 + t, &l1, &local)) reports.fetch_add(1);
      g.end_wait(700000 + t);
    }
  });
  CHECK(reports == 0);
  hold_as(l2, kNoOwner);
  hold_as(l3, kNoOwner);
}

// The wait graph has its own mutex and reads only the LockStates it was
// given: walks proceed while other threads create, find and release locks in
// the lock table, and locks that are in no table at all work too. Two
// threads closing a two-lock cycle at the same time: exactly one reports.
void test_wait_graph_own_lock() {
  WaitGraph g;  // a private graph
  LockTable& t = LockTable::instance();
  std::atomic<bool> stop{false};
  std::thread table_churn([&] {
    while (!stop) {
      Words w;
      LockState* s = t.create(kMutex, w.w);
      LockState* again = t.find_and_ref(s->id, kMutex, w.w);
      t.release(again);
      t.release(s);
    }
  });
  Words wx, wy;
  LockState x(21, kMutex, wx.w), y(22, kMutex, wy.w);
  constexpr int32_t kP = 600001, kQ = 600002;
  int double_reports = 0, no_reports = 0;
  hold_as(x, kP);
  hold_as(y, kQ);
  for (int round = 0; round < 300; ++round) {
    std::atomic<int> reports{0};
    std::thread p([&] {
      std::vector<WaitGraph::CycleStep> c;
      if (g.wait_and_find_cycle(kP, &y, &c)) reports.fetch_add(1);
    });
    std::thread q([&] {
      std::vector<WaitGraph::CycleStep> c;
      if (g.wait_and_find_cycle(kQ, &x, &c)) reports.fetch_add(1);
    });
    p.join();
    q.join();
    if (reports > 1) ++double_reports;
    if (reports == 0) ++no_reports;
    g.end_wait(kP);
    g.end_wait(kQ);
  }
  stop = true;
  table_churn.join();
  hold_as(x, kNoOwner);
  hold_as(y, kNoOwner);
  CHECK(double_reports == 0);  // one reporter per cycle
  CHECK(no_reports == 0);      // and the later of the two always sees it
  CHECK(g.size() == 0);
}

// A name no other run uses; removed by the caller.
std::string TestName(const char* what) {
  return std::string("native-test-") + what + "-" + std::to_string(static_cast<long>(getpid()));
}

void test_named_lock_threads() {
  using os_mutex::LockResult;
  using os_mutex::NamedTable;
  const std::string name = TestName("threads");
  int32_t code = 0;
  std::string error;
  os_mutex::NamedLock* lock = NamedTable::instance().acquire(name, kMutex, &code, &error);
  CHECK(lock != nullptr);
  if (lock == nullptr) return;
  // A second reference of another kind is refused; of the same kind shares the lock.
  CHECK(NamedTable::instance().acquire(name, kRecursive, &code, &error) == nullptr);
  CHECK(code == contract::kNamedOpenIsMutex);
  CHECK(NamedTable::instance().acquire(name, kMutex, &code, &error) == lock);
  NamedTable::instance().release(lock);
  CHECK(lock->try_lock(1) == LockResult::kAcquired);
  CHECK(lock->try_lock(1) == LockResult::kBusy);  // the holder's re-lock is refused, never blocks
  CHECK(lock->lock_until(1, Clock::now() + 1h) == LockResult::kBusy);
  CHECK(lock->owner().pid == static_cast<int32_t>(getpid()) && lock->owner().thread_id == 1);
  auto start = Clock::now();
  CHECK(lock->lock_until(2, Clock::now() + 30ms) == LockResult::kBusy);
  CHECK(ms_since(start) >= 29);
  lock->unlock();
  CHECK(lock->owner().pid == 0);
  long counter = 0;
  run_threads(4, [&](int i) {
    for (int n = 0; n < 5000; ++n) {
      while (lock->lock_until(10 + i, Clock::now() + 50ms) == LockResult::kBusy) {
      }
      ++counter;
      lock->unlock();
    }
  });
  CHECK(counter == 4 * 5000);
  NamedTable::instance().release(lock);
  CHECK(os_mutex::ProcessMutex::Remove(name, &error) == 1);
}

void test_named_lock_death_and_watcher() {
  using os_mutex::LockResult;
  using os_mutex::NamedTable;
  using os_mutex::ProcessMutex;
  const std::string name = TestName("death");
  int32_t code = 0;
  std::string error;
  os_mutex::NamedLock* lock = NamedTable::instance().acquire(name, kMutex, &code, &error);
  CHECK(lock != nullptr);
  if (lock == nullptr) return;
  // Runs `body` on a new thread over a mapping of its own, as another
  // process would (a fresh mapping each time: ThreadSanitizer tracks a
  // mutex by address and cannot know that a dead thread's robust mutex was
  // recovered through another mapping).
  auto in_other_process = [&](const std::function<void(ProcessMutex*)>& body) {
    ProcessMutex* other = ProcessMutex::Open(name, kMutex, &code, &error);
    CHECK(other != nullptr);
    if (other == nullptr) return;
    std::thread(body, other).join();
    delete other;
  };
  // A thread that ends holding it (not through owner death's cleanup): the
  // kernel's robust list frees it, and the next holder is told.
  in_other_process([&](ProcessMutex* other) { CHECK(other->try_lock() == LockResult::kAcquired); });
  CHECK(lock->lock_until(1, Clock::now() + 1s) == LockResult::kAcquiredAbandoned);
  lock->unlock();
  CHECK(lock->try_lock(1) == LockResult::kAcquired);  // told once
  lock->unlock();
  // Owner death through abandon(): flagged for the next holder.
  CHECK(lock->try_lock(3) == LockResult::kAcquired);
  lock->abandon();
  CHECK(lock->try_lock(1) == LockResult::kAcquiredAbandoned);
  // An async waiter: this process's own release wakes it directly.
  CountingWaker waker;
  lock->arm(&waker);
  in_other_process([&](ProcessMutex* other) { CHECK(other->try_lock() == LockResult::kBusy); });
  lock->unlock();
  CHECK(waker.wakes.load() == 1);
  // A holder elsewhere that ends holding it: the watcher's probe recovers it.
  in_other_process([&](ProcessMutex* other) { CHECK(other->try_lock() == LockResult::kAcquired); });
  lock->arm(&waker);
  auto start = Clock::now();
  while (waker.wakes.load() < 2 && ms_since(start) < 2000) std::this_thread::sleep_for(1ms);
  CHECK(waker.wakes.load() == 2);
  CHECK(lock->try_lock(1) == LockResult::kAcquiredAbandoned);
  lock->unlock();
  // A release elsewhere: the watcher hears it (wake_seq, futex).
  lock->arm(&waker);
  in_other_process([&](ProcessMutex* other) {
    CHECK(other->try_lock() == LockResult::kAcquired);
    other->unlock();
  });
  start = Clock::now();
  while (waker.wakes.load() < 3 && ms_since(start) < 2000) std::this_thread::sleep_for(1ms);
  CHECK(waker.wakes.load() == 3);
  lock->disarm(&waker);
  NamedTable::instance().release(lock);  // stops the watcher
  CHECK(NamedTable::instance().size() == 0);
  CHECK(ProcessMutex::Remove(name, &error) == 1);
}

}  // namespace

int main() {
  struct Test {
    const char* name;
    void (*fn)();
  };
  const Test tests[] = {
      {"OsMutex: lock, try_lock, lock_until in one thread", test_single_thread_basics},
      {"OsMutex: 8 threads x 20000 locked increments are exact", test_mutual_exclusion},
      {"OsMutex: a timed wait times out after the deadline, not before", test_timed_wait_times_out_not_before},
      {"LockTable: references, never-reused ids, kinds, words", test_table_refs_ids_kinds},
      {"LockTable: concurrent create / find / release", test_table_concurrent_lifetimes},
      {"LockState: OWNER names the holder; the holder never blocks on itself", test_lock_state_owner_word},
      {"Owner death: an environment's held locks released once, flagged abandoned", test_owner_death_of_opened_locks},
      {"Owner death: a blocked waiter gets the lock, async waiters are woken", test_owner_death_wakes_waiters},
      {"Owner death: an Atomics lock word naming the dying thread is freed", test_owner_death_of_atomics_locks},
      {"Owner death: a condition's dying waiter is removed, its notification passed on", test_owner_death_of_condition_waiters},
      {"Owner death: a reader-writer lock's dying reader returns its shares, a dying writer abandons", test_owner_death_of_rwlock},
      {"WakeList: async wake-ups are one-shot and never missed", test_async_wakeups},
      {"WakeList: made on the first arm; racing first armers each get one wake", test_wake_list_made_on_first_arm},
      {"WaitGraph: wait cycles reported once, chains never", test_wait_cycles},
      {"WaitGraph: its own mutex; concurrent cycle closers report once", test_wait_graph_own_lock},
      {"NamedLock: threads of one process exclude each other; kinds; no self-deadlock", test_named_lock_threads},
      {"NamedLock: a holder that ends holding it is reported abandoned; the watcher wakes async waiters", test_named_lock_death_and_watcher},
  };
  int passed = 0, failed = 0;
#if defined(OS_MUTEX_USE_CONDVAR_TIMED)
  std::printf("native core tests (timed waits via condition variable)\n");
#else
  std::printf("native core tests\n");
#endif
  for (const Test& test : tests) {
    g_failures_in_test = 0;
    test.fn();
    std::printf("  %s %s\n", g_failures_in_test == 0 ? "ok  " : "FAIL", test.name);
    (g_failures_in_test == 0 ? passed : failed)++;
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

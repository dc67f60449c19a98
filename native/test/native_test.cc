// native_test.cc — tests of the native core without Node: OsMutex (lock,
// try_lock, timed waits), the registry (reference counts, ids, kinds),
// owner-death bookkeeping, async wake-ups and wait-cycle detection, with
// several threads hammering each. Built and run under ThreadSanitizer and
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

#include "../os_mutex.h"
#include "../registry.h"

using os_mutex::Clock;
using os_mutex::Kind;
using os_mutex::LockState;
using os_mutex::OsMutex;
using os_mutex::Registry;
namespace Meta = os_mutex::Meta;
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

void test_registry_refs_ids_kinds() {
  Registry& r = Registry::instance();
  size_t before = r.size();
  LockState* a = r.create(Kind::kMutex);
  LockState* b = r.create(Kind::kRecursive);
  CHECK(b->id > a->id);
  CHECK(r.size() == before + 2);
  CHECK(r.find_and_ref(a->id, Kind::kRecursive) == nullptr);  // wrong kind
  CHECK(r.find_and_ref(b->id + 1000000, Kind::kRecursive) == nullptr);  // unknown id
  LockState* again = r.find_and_ref(a->id, Kind::kMutex);
  CHECK(again == a);
  uint64_t a_id = a->id;
  r.release(a);
  r.release(again);  // the last reference frees it
  CHECK(r.find_and_ref(a_id, Kind::kMutex) == nullptr);  // and its id is gone for good
  r.release(b);
  CHECK(r.size() == before);
}

void test_registry_concurrent_lifetimes() {
  Registry& r = Registry::instance();
  size_t before = r.size();
  LockState* shared = r.create(Kind::kMutex);
  uint64_t id = shared->id;
  run_threads(8, [&](int t) {
    for (int i = 0; i < 2000; ++i) {
      LockState* mine = r.create(t % 2 ? Kind::kMutex : Kind::kRecursive);
      LockState* found = r.find_and_ref(id, Kind::kMutex);
      if (found != nullptr) {
        found->mutex.lock();
        found->meta[Meta::kCount].fetch_add(1, std::memory_order_relaxed);
        found->mutex.unlock();
        r.release(found);
      }
      r.release(mine);
    }
  });
  CHECK(shared->meta[Meta::kCount].load() == 8 * 2000);
  r.release(shared);
  CHECK(r.size() == before);
}

// Owner death: a thread that dies holding locks has them released on its own
// thread by abandon_all_held_by, flagged abandoned, count reset.
void test_owner_death_bookkeeping() {
  Registry& r = Registry::instance();
  LockState* plain = r.create(Kind::kMutex);
  LockState* rec = r.create(Kind::kRecursive);
  constexpr int32_t kDying = 900001;
  std::thread dying([&] {
    plain->mutex.lock();
    plain->meta[Meta::kOwner].store(kDying);
    plain->meta[Meta::kCount].store(1);
    rec->mutex.lock();
    rec->meta[Meta::kOwner].store(kDying);
    rec->meta[Meta::kCount].store(3);
    CHECK(r.abandon_all_held_by(kDying) == 2);  // the "cleanup hook"
  });
  dying.join();
  for (LockState* s : {plain, rec}) {
    CHECK(s->meta[Meta::kOwner].load() == os_mutex::kNoOwner);
    CHECK(s->meta[Meta::kCount].load() == 0);
    CHECK((s->meta[Meta::kFlags].load() & os_mutex::kFlagAbandoned) != 0);
    CHECK(s->mutex.try_lock());
    s->mutex.unlock();
  }
  CHECK(r.abandon_all_held_by(kDying) == 0);
  r.release(plain);
  r.release(rec);
}

struct CountingWaker final : os_mutex::AsyncWaker {
  std::atomic<int> wakes{0};
  void wake(uint64_t) override { wakes.fetch_add(1); }
};

void test_async_wakeups() {
  Registry& r = Registry::instance();
  LockState* s = r.create(Kind::kMutex);
  CountingWaker a, b;
  s->mutex.lock();
  s->arm(&a);
  s->arm(&a);  // arming twice is one wake
  s->arm(&b);
  s->unlock_and_wake();
  CHECK(a.wakes == 1 && b.wakes == 1);
  s->mutex.lock();
  s->unlock_and_wake();  // one-shot: not armed any more
  CHECK(a.wakes == 1);
  s->arm(&a);
  r.disarm_everywhere(&a);
  s->mutex.lock();
  s->unlock_and_wake();
  CHECK(a.wakes == 1);
  // hammered: a waker armed before its try never misses the release it needs
  std::atomic<int> lost{0};
  run_threads(4, [&](int t) {
    CountingWaker w;
    for (int i = 0; i < 2000; ++i) {
      if (t % 2 == 0) {
        if (s->mutex.try_lock()) s->unlock_and_wake();
        continue;
      }
      int seen = w.wakes.load();
      s->arm(&w);
      if (s->mutex.try_lock()) {
        s->disarm(&w);
        s->unlock_and_wake();
        continue;
      }
      // held by someone else: their release must wake us
      auto deadline = Clock::now() + 2s;
      while (w.wakes.load() == seen && Clock::now() < deadline) std::this_thread::yield();
      if (w.wakes.load() == seen) lost.fetch_add(1);
    }
    r.disarm_everywhere(&w);
  });
  CHECK(lost == 0);
  r.release(s);
}

void test_wait_cycles() {
  Registry& r = Registry::instance();
  LockState* l1 = r.create(Kind::kMutex);
  LockState* l2 = r.create(Kind::kRecursive);
  LockState* l3 = r.create(Kind::kMutex);
  constexpr int32_t kA = 800001, kB = 800002, kC = 800003;
  l1->meta[Meta::kOwner].store(kA);
  l2->meta[Meta::kOwner].store(kB);
  l3->meta[Meta::kOwner].store(kC);
  std::vector<Registry::CycleStep> cycle;
  CHECK(!r.wait_and_find_cycle(kA, l2->id, &cycle));  // A -> l2 (B), B not waiting
  CHECK(!r.wait_and_find_cycle(kB, l3->id, &cycle));  // B -> l3 (C), C not waiting
  CHECK(r.wait_and_find_cycle(kC, l1->id, &cycle));   // C -> l1 (A) -> l2 (B) -> l3 (C): a cycle
  CHECK(cycle.size() == 3);
  CHECK(cycle.size() == 3 && cycle[0].thread_id == kC && cycle[0].lock_id == l1->id);
  CHECK(cycle.size() == 3 && cycle[1].thread_id == kA && cycle[1].lock_id == l2->id && cycle[1].kind == Kind::kRecursive);
  // the reporter's wait is forgotten: the others see no cycle now
  CHECK(!r.wait_and_find_cycle(kA, l2->id, &cycle));
  // a chain that loops without the caller is not reported to it
  r.end_wait(kA);
  r.end_wait(kB);
  l2->meta[Meta::kOwner].store(kA);  // A holds l2 and "waits" for it (a stale entry)
  CHECK(!r.wait_and_find_cycle(kA, l2->id, &cycle));
  CHECK(!r.wait_and_find_cycle(kC, l1->id, &cycle));
  r.end_wait(kA);
  r.end_wait(kC);
  // concurrent waits and ends, no cycles, never a report
  std::atomic<int> reports{0};
  l1->meta[Meta::kOwner].store(os_mutex::kNoOwner);
  run_threads(6, [&](int t) {
    std::vector<Registry::CycleStep> local;
    for (int i = 0; i < 3000; ++i) {
      if (r.wait_and_find_cycle(700000 + t, l1->id, &local)) reports.fetch_add(1);
      r.end_wait(700000 + t);
    }
  });
  CHECK(reports == 0);
  for (LockState* s : {l1, l2, l3}) {
    s->meta[Meta::kOwner].store(os_mutex::kNoOwner);
    r.release(s);
  }
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
      {"Registry: references, never-reused ids, kinds", test_registry_refs_ids_kinds},
      {"Registry: concurrent create / find / release", test_registry_concurrent_lifetimes},
      {"Registry: owner death releases and flags abandoned", test_owner_death_bookkeeping},
      {"LockState: async wake-ups are one-shot and never missed", test_async_wakeups},
      {"Registry: wait cycles reported once, chains never", test_wait_cycles},
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

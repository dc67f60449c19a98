// wait_graph.h — the wait-for graph of untimed waits, for deadlock reports.
//
// Defines:
//   os_mutex::WaitGraph  thread -> the lock it waits for without a timeout;
//                        finds a cycle through a new wait. Its own mutex.
//
// The graph stores the LockState itself (its id, kind and OWNER word are
// read from it), so a walk never needs the lock table's mutex. Safety rests
// on the caller: a thread's LockState stays alive, with its words, from
// wait_and_find_cycle() until that wait ends (lock_state.h's invariant: the
// waiting environment keeps its lock entry, which holds a reference and the
// words, while the wait is recorded). Every method is thread-safe, blocks
// only on the graph's short mutex, and never throws.
#ifndef OS_MUTEX_CORE_WAIT_GRAPH_H_
#define OS_MUTEX_CORE_WAIT_GRAPH_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/lock_state.h"

namespace os_mutex {

class WaitGraph {
 public:
  // The graph of this process; never destroyed (worker threads may still
  // end waits while the process exits).
  static WaitGraph& instance();

  WaitGraph() = default;  // a separate graph (tests)
  WaitGraph(const WaitGraph&) = delete;
  WaitGraph& operator=(const WaitGraph&) = delete;

  struct CycleStep {
    int32_t thread_id;
    uint64_t lock_id;
    int32_t kind;  // contract::kKindMutex or kKindRecursive
  };

  // Records that `thread_id` waits, without a timeout, for `lock` (replacing
  // any earlier wait of that thread) and follows the wait-for chain from
  // there: lock -> its OWNER -> the lock that owner waits for -> ... When the
  // chain comes back to `thread_id`, no waiter of that cycle can leave it:
  // returns true with `cycle` = (thread, lock id, kind) for each step,
  // starting with the caller, and forgets the caller's wait, so only one
  // member of a cycle reports it. Every thread in a reported cycle is
  // blocked in an untimed wait, so the owners read on the way cannot change
  // while the walk runs: a reported cycle exists. A chain that ends (a free
  // lock, an owner that does not wait) or loops without the caller is no
  // report (false). Never blocks beyond the graph's mutex.
  // Precondition: `lock` stays alive, with its words, until this thread's
  // wait ends (end_wait, a later wait_and_find_cycle, or a true result).
  bool wait_and_find_cycle(int32_t thread_id, LockState* lock, std::vector<CycleStep>* cycle);

  // The thread no longer waits (it got the lock, gave up, or is exiting).
  // A thread that does not wait is ignored. Never blocks beyond the mutex.
  void end_wait(int32_t thread_id);

  // Threads with a recorded wait (tests).
  size_t size();

 private:
  std::mutex mutex_;
  std::unordered_map<int32_t, LockState*> waits_;  // guarded by mutex_
};

}  // namespace os_mutex

#endif  // OS_MUTEX_CORE_WAIT_GRAPH_H_

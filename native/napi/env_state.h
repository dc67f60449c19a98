// env_state.h — the addon's state in one Node.js environment (the main
// thread or one worker).
//
// Defines (namespace os_mutex::binding):
//   LockEntry        one native lock this environment created or opened
//   SharedLockEntry  one Atomics-backend lock, condition or reader-writer lock
//                    this environment watches
//   EnvState         everything per environment: thread id, wake path, the
//                    lock entries, the watched Atomics locks; its cleanup
//                    hook is where owner death happens
//   Alive            whether a weak reference still names a live object
//
// Lifetimes without finalizers. A lock's JavaScript object (the "anchor",
// lib/backends/native.ts's raw lock) carries no Node-API finalizer: Node 20
// runs finalizers only when the event loop turns, so a synchronous loop
// creating locks would keep every native lock alive until it ends. Instead
// the environment keeps a table of LockEntry: a WEAK reference to the
// anchor, one LockTable reference, and a count in the environment's STRONG
// reference to the SharedArrayBuffer holding the lock's shared words (one
// reference per buffer, a "slab" of up to 32 locks' words, shared by every
// entry whose words it holds: a napi_ref per lock cost ~0.1 KiB).
// JavaScript reaches an entry only through its
// slot, which only the anchor's owner uses while it keeps the anchor, so a
// dead anchor means nobody calls with that slot for that lock again. V8 clears weak
// references during garbage collection itself; create/open prune the table
// when it has grown to max(64, 2 x the entries kept by the last prune), or
// by a quarter (+64) once a collection has cleared weak references since
// that prune (a dead lock's entry holds its words until pruned, which in a
// synchronous loop can fill a small heap): amortised O(1) per lock. sweep() prunes at once (lib/ calls it after a
// garbage collection, seen through a FinalizationRegistry canary). Owner death never depends on garbage collection:
// the cleanup hook walks every entry, dead anchor or not.
//
// All of it is touched only on the environment's own thread, except
// EnvState::wake() (any thread).
#ifndef OS_MUTEX_NAPI_ENV_STATE_H_
#define OS_MUTEX_NAPI_ENV_STATE_H_

#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/lock_state.h"

namespace os_mutex {
namespace binding {

struct EnvState;

// One lock of this environment, found by its slot (the per-environment
// functions' argument: a bounds-checked index, no napi_unwrap, no hash).
struct LockEntry {
  LockState* state;    // one LockTable reference, released when the entry is dropped
  EnvState* env;
  int32_t thread_id;   // env->thread_id (fixed once init() ran)
  napi_ref anchor;     // weak: the lock's JavaScript object
  const void* slab;    // key in env->slabs of the buffer holding state->words (one count there)
  uint32_t slot;       // index in env->by_slot: the argument of tryLock/unlock/slow/idOf
};

// This environment's strong reference to one SharedArrayBuffer holding lock
// words, and how many of its entries count on it.
struct SlabRef {
  napi_ref buffer;     // strong
  size_t entries;
};

struct SharedLockEntry {
  // What the buffer is, by its magic word (the same index in every layout).
  enum class Layout : int32_t {
    kAtomicsLock,  // contract::kAtomics*: an Atomics-backend lock
    kCondition,    // contract::kCond*: a condition's waiter slots
    kRwLock,       // contract::kRw*: a reader-writer lock's writer word and reader slots
  };
  napi_ref view;       // weak: the Int32Array the lock (or condition) object uses
  napi_ref buffer;     // strong: its SharedArrayBuffer (keeps `words` valid)
  SharedWord* words;
  Layout layout;
  int32_t capacity;    // kCondition, kRwLock: slots, as validated against the view's length
};

struct EnvState final : AsyncWaker {
  // Creates the state of `env`: the wake path (a thread-safe function), the
  // cleanup hook, the instance data. Returns null (and
  // leaves nothing behind) when Node-API refuses any of it, e.g. in a worker
  // that is already shutting down. Never throws.
  static EnvState* Create(napi_env env);

  // The state of `env`, or null when Create() failed (then no export exists
  // to call this). Never blocks.
  static EnvState* Of(napi_env env);

  // Queues "lock `id` was released" onto this environment's event loop,
  // where the handler set by setWakeHandler() runs. Any thread; never blocks
  // (the queue is unbounded and the call non-blocking).
  void wake(uint64_t id) override;

  // Takes ownership of one LockTable reference to `state` and records it
  // with the anchor object; `buffer` is the SharedArrayBuffer holding
  // state->words, whose memory starts at `slab` (the key of its SlabRef).
  // Returns the entry, or null when Node-API fails (then the reference is
  // released). Never blocks beyond the lock table's mutex; prunes first
  // when the table is due.
  LockEntry* AddLock(LockState* state, napi_value anchor, napi_value buffer, const void* slab);

  // An entry of lock `id`, or null when this environment has none. Never
  // blocks.
  LockEntry* FindLock(uint64_t id) const;

  // Drops the entries whose anchor is dead and whose lock this thread does
  // not hold (nor waits for, see `waiting`). Never blocks beyond the lock
  // table's and the wake lists' mutexes.
  void PruneLocks();

  // Owner death for Atomics-backend locks, conditions and reader-writer
  // locks, in napi/shared_locks.cc.
  void PruneSharedLocks();
  void AbandonSharedLocks();

  const napi_env env;
  int32_t thread_id = contract::kNoOwner;  // Node threadId, from init()
  napi_threadsafe_function wake_tsfn = nullptr;
  napi_ref wake_handler = nullptr;  // strong, set by setWakeHandler()
  // The slot argument of tryLock()/unlock(): a word of shared memory that
  // JavaScript writes before the call (setSlotWord()); until then a word
  // holding -1 (no slot). slot_word_ref keeps its memory alive.
  SharedWord no_slot{-1};
  SharedWord* slot_word = &no_slot;
  napi_ref slot_word_ref = nullptr;

  std::vector<LockEntry*> locks;                       // owned
  std::vector<LockEntry*> by_slot;                     // slot -> entry (null: free slot)
  // slot -> by_slot[slot]->state (null: free slot): tryLock()/unlock() reach
  // the lock with one dependent load fewer (entry->thread_id is thread_id).
  std::vector<LockState*> slot_states;
  std::vector<uint32_t> free_slots;                    // slots of dropped entries, for reuse
  std::unordered_map<uint64_t, LockEntry*> lock_ids;   // id -> one of `locks`
  // The buffers (by the address of their memory) holding the words of
  // `locks`: one strong reference each, dropped with its last entry.
  std::unordered_map<const void*, SlabRef> slabs;
  size_t prune_locks_at = kMinPrune;
  // Entries kept by the last PruneLocks.
  size_t locks_kept = 0;
  // Weak reference to an object made at the last PruneLocks: once it reads
  // empty, a garbage collection has cleared weak references since, so dead
  // anchors can be found; AddLock then prunes as soon as the table has grown
  // by a quarter (see AddLock), not only when it has doubled.
  napi_ref gc_sentinel = nullptr;
  // The entry whose lock this thread waits for in the WaitGraph, or null.
  // Never pruned while set: the graph points at its LockState.
  LockEntry* waiting = nullptr;

  std::vector<SharedLockEntry> shared_locks;
  size_t prune_shared_at = kMinPrune;

  static constexpr size_t kMinPrune = 64;

 private:
  explicit EnvState(napi_env env_) : env(env_) {}
  ~EnvState() = default;
  // Releases everything: the cleanup hook (see env_state.cc).
  static void Cleanup(void* arg);
  // Releases the LockTable reference, then the entry's count on its slab
  // (the last one deletes the buffer's reference), then frees the entry:
  // this order keeps lock_state.h's invariant.
  // Precondition: `entry` is no longer in `locks`, and no function of its
  // anchor can run (the anchor is dead, or the environment is going away).
  void DropLock(LockEntry* entry);
  // Drops one entry's count on `slab`; the last one deletes the buffer's
  // strong reference.
  void ReleaseSlab(const void* slab);
};

// Whether the object `ref` (a weak reference) names is still alive. Creates
// one handle in the current scope. Never blocks.
bool Alive(napi_env env, napi_ref ref);

}  // namespace binding
}  // namespace os_mutex

#endif  // OS_MUTEX_NAPI_ENV_STATE_H_

// named_functions.h — machine-wide named locks as JavaScript sees them
// (lib/backends/named.ts).
//
// Defines (namespace os_mutex::binding):
//   NamedEnv     one environment's named-lock state: its entries (one per
//                name this thread opened), its wake path, its cleanup hook
//                (owner death for the named locks the thread holds)
//   the exports  namedOpen, namedSetSlotWord, namedTryLock, namedUnlock,
//                namedOp, namedRemove, namedUser, namedSetWakeHandler,
//                namedCount, namedSweep (see named_functions.cc)
//
// All of it is touched only on the environment's own thread, except
// NamedEnv::wake() (any thread).
#ifndef OS_MUTEX_NAPI_NAMED_FUNCTIONS_H_
#define OS_MUTEX_NAPI_NAMED_FUNCTIONS_H_

#include <node_api.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "core/named_lock.h"
#include "napi/env_state.h"

namespace os_mutex {
namespace binding {

// One name as one environment opened it. JavaScript holds the anchor (an
// object { id, slot, words }) from every lock object of this name in this
// thread; the entry keeps the thread's shared words (OWNER, COUNT, FLAGS:
// its ownership record, shared by those objects) and one NamedTable
// reference. Dropped once the anchor is collected and the thread does not
// hold the lock; a name opened again while its entry is still here gets the
// same words, so the thread's ownership record is never split.
struct NamedEntry {
  NamedLock* lock;     // one NamedTable reference
  napi_ref anchor;     // weak
  napi_ref words;      // strong: the Int32Array over `meta`
  SharedWord* meta;    // contract::kMetaWords words
  uint32_t slot;       // index in NamedEnv::by_slot: namedOp's first argument,
                       // what namedTryLock()/namedUnlock() read in the slot word
};

class NamedEnv final : public AsyncWaker {
 public:
  // Creates the state of `env` (its wake path and cleanup hook). `es` is the
  // environment's EnvState (its thread id); it outlives this (its cleanup
  // hook was registered first, so it runs after this one). Null when
  // Node-API refuses. Never throws.
  static NamedEnv* Create(napi_env env, EnvState* es);

  // Queues "named lock `id` may be free" onto this environment's event loop.
  // Any thread; never blocks.
  void wake(uint64_t id) override;

  const napi_env env;
  EnvState* const es;
  napi_threadsafe_function wake_tsfn = nullptr;
  napi_ref wake_handler = nullptr;  // strong, set by namedSetWakeHandler()
  // The slot argument of namedTryLock()/namedUnlock(): a word of shared
  // memory that JavaScript writes before the call (namedSetSlotWord()); until
  // then a word holding -1 (no slot). slot_word_ref keeps its memory alive.
  SharedWord no_slot{-1};
  SharedWord* slot_word = &no_slot;
  napi_ref slot_word_ref = nullptr;
  std::vector<NamedEntry*> by_slot;  // slot -> entry (null: free slot)
  std::vector<uint32_t> free_slots;
  std::unordered_map<std::string, NamedEntry*> by_name;
  // Entries whose name was removed (NamedLock::forgotten()) while objects
  // of it were alive: kept until pruned like any other, out of by_name.
  std::vector<NamedEntry*> detached;
  size_t prune_at = kMinPrune;

  static constexpr size_t kMinPrune = 64;

  // Drops the entries whose anchor is dead and whose lock this thread does
  // not hold. Runs when namedOpen() adds an entry and the entries have
  // reached prune_at, and at namedSweep() (lib/ calls it after a garbage
  // collection). Never blocks beyond short mutexes (and the end of a
  // watcher thread that was told to stop).
  void Prune();
  // Frees an entry (its slot, references, and its NamedTable reference:
  // may block as NamedTable::release does). Precondition: out of by_name /
  // detached, and the thread does not hold its lock.
  void Drop(NamedEntry* entry);

 private:
  NamedEnv(napi_env env_, EnvState* es_) : env(env_), es(es_) {}
  ~NamedEnv() = default;
  static void Cleanup(void* arg);
};

napi_value NamedOpen(napi_env env, napi_callback_info info);            // namedOpen(name, kind, words)
napi_value NamedSetSlotWord(napi_env env, napi_callback_info info);     // namedSetSlotWord(words)
napi_value NamedTryLock(napi_env env, napi_callback_info info);         // namedTryLock()
napi_value NamedUnlock(napi_env env, napi_callback_info info);          // namedUnlock()
napi_value NamedOp(napi_env env, napi_callback_info info);              // namedOp(slot, op, ms)
napi_value NamedRemove(napi_env env, napi_callback_info info);          // namedRemove(name)
napi_value NamedUser(napi_env env, napi_callback_info info);            // namedUser()
napi_value NamedSetWakeHandler(napi_env env, napi_callback_info info);  // namedSetWakeHandler(fn)
napi_value NamedCount(napi_env env, napi_callback_info info);           // namedCount()
napi_value NamedSweep(napi_env env, napi_callback_info info);           // namedSweep()

}  // namespace binding
}  // namespace os_mutex

#endif  // OS_MUTEX_NAPI_NAMED_FUNCTIONS_H_

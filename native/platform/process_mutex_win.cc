// process_mutex_win.cc — ProcessMutex on Windows (see process_mutex.h).
//
// Three kernel objects per (user, name), in the session namespace, named
// Local\os-mutex.<user SID>.<name> (+ ".record", ".wake"):
//   the mutex     CreateMutexW: owned by a thread; WAIT_ABANDONED tells the
//                 next holder that its holder ended holding it (even killed)
//   the record    a file mapping on the paging file (contract::kNamedObjectBytes
//                 bytes): header (magic, layout version, kind, published by
//                 one compare-and-swap, so never half-initialised), owner
//                 record, abandoned flag, wake_seq, async_waiters
//   the wake      a semaphore a release signals once per watching process
//                 (async_waiters), after bumping wake_seq
// Each is created with a DACL that grants access to the current user only
// and names that user as owner; an existing object owned by another SID is
// refused (ERR_MUTEX_ACCESS_DENIED), as is one we may not open. Kernel
// objects vanish with their last handle: Remove() has nothing to do.
//
// A Windows mutex is recursive per thread; this layer never locks it twice
// from one thread (core/named_lock.h checks the holder first).
// Imports KERNEL32 and ADVAPI32 (security descriptors, SIDs).
#if defined(_WIN32)

#include "platform/process_mutex.h"

#include <aclapi.h>
#include <sddl.h>

#include <atomic>
#include <chrono>
#include <climits>

#include "include/contract.h"

namespace os_mutex {

namespace {

struct Record {
  // (magic << 32) | (layout version << 8) | kind; 0 until the creator's
  // compare-and-swap publishes it.
  std::atomic<uint64_t> header;
  std::atomic<uint64_t> owner;          // (pid << 32) | uint32(threadId); 0: nobody
  std::atomic<int32_t> abandoned;       // set by owner death in a worker, or by probe()
  std::atomic<uint32_t> wake_seq;       // bumped by releases while async_waiters != 0
  std::atomic<int32_t> async_waiters;   // processes with a watcher
};
static_assert(sizeof(Record) <= static_cast<size_t>(contract::kNamedObjectBytes),
              "the record must fit the shared object");

Record* RecordOf(void* view) { return static_cast<Record*>(view); }

uint64_t Header(int32_t kind) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(contract::kNamedMagic)) << 32) |
         (static_cast<uint64_t>(contract::kNamedLayoutVersion) << 8) |
         static_cast<uint64_t>(static_cast<uint32_t>(kind) & 0xff);
}

std::string WinError(const char* what, DWORD err) {
  return std::string(what) + ": Windows error " + std::to_string(err);
}

// The current user's SID (a copy in `buffer`) and its string form.
bool CurrentSid(std::string* text, BYTE* buffer, DWORD size) {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return false;
  BYTE info[256];
  DWORD length = 0;
  bool ok = GetTokenInformation(token, TokenUser, info, sizeof(info), &length) != 0;
  CloseHandle(token);
  if (!ok) return false;
  PSID sid = reinterpret_cast<TOKEN_USER*>(info)->User.Sid;
  if (buffer != nullptr && !CopySid(size, buffer, sid)) return false;
  char* string_sid = nullptr;
  if (!ConvertSidToStringSidA(sid, &string_sid)) return false;
  *text = string_sid;
  LocalFree(string_sid);
  return true;
}

std::wstring Widen(const std::string& s) { return std::wstring(s.begin(), s.end()); }

// Whether the kernel object `handle` is owned by `sid`. An object someone
// else created under our name (squatting) is refused.
bool OwnedBy(HANDLE handle, PSID sid) {
  PSID owner = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (GetSecurityInfo(handle, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &owner, nullptr,
                      nullptr, nullptr, &descriptor) != ERROR_SUCCESS) {
    return false;
  }
  bool same = owner != nullptr && EqualSid(owner, sid);
  LocalFree(descriptor);
  return same;
}

// Closes the handles it holds unless released.
struct Handles {
  HANDLE mutex = nullptr;
  HANDLE mapping = nullptr;
  HANDLE semaphore = nullptr;
  HANDLE interrupt = nullptr;
  void* view = nullptr;
  ~Handles() {
    if (view != nullptr) UnmapViewOfFile(view);
    for (HANDLE h : {mutex, mapping, semaphore, interrupt}) {
      if (h != nullptr) CloseHandle(h);
    }
  }
};

LockResult Acquired(Record* record, DWORD rc) {
  if (rc == WAIT_ABANDONED) {
    record->abandoned.store(0, std::memory_order_relaxed);
    return LockResult::kAcquiredAbandoned;
  }
  if (rc != WAIT_OBJECT_0) return LockResult::kBusy;
  if (record->abandoned.load(std::memory_order_relaxed) != 0 &&
      record->abandoned.exchange(0, std::memory_order_relaxed) != 0) {
    return LockResult::kAcquiredAbandoned;
  }
  return LockResult::kAcquired;
}

}  // namespace

std::string ProcessMutex::CurrentUser() {
  std::string text;
  return CurrentSid(&text, nullptr, 0) ? text : std::string();
}

ProcessMutex* ProcessMutex::Open(const std::string& name, int32_t kind, int32_t* code,
                                 std::string* error) {
  std::string sid_text;
  BYTE sid[SECURITY_MAX_SID_SIZE];
  if (!CurrentSid(&sid_text, sid, sizeof(sid))) {
    *code = contract::kNamedOpenFailed;
    *error = WinError("cannot read the current user's SID", GetLastError());
    return nullptr;
  }
  // Owner: the current user; DACL (protected, not inherited): the current
  // user only, all access.
  const std::wstring sddl = L"O:" + Widen(sid_text) + L"D:P(A;;GA;;;" + Widen(sid_text) + L")";
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1,
                                                            &descriptor, nullptr)) {
    *code = contract::kNamedOpenFailed;
    *error = WinError("cannot build the security descriptor", GetLastError());
    return nullptr;
  }
  SECURITY_ATTRIBUTES attributes{sizeof(SECURITY_ATTRIBUTES), descriptor, FALSE};
  const std::wstring base = L"Local\\os-mutex." + Widen(sid_text) + L"." + Widen(name);
  Handles h;
  DWORD err = 0;
  h.mutex = CreateMutexW(&attributes, FALSE, base.c_str());
  if (h.mutex == nullptr) err = GetLastError();
  if (err == 0) {
    h.mapping = CreateFileMappingW(INVALID_HANDLE_VALUE, &attributes, PAGE_READWRITE, 0,
                                   static_cast<DWORD>(contract::kNamedObjectBytes),
                                   (base + L".record").c_str());
    if (h.mapping == nullptr) err = GetLastError();
  }
  if (err == 0) {
    h.semaphore = CreateSemaphoreW(&attributes, 0, LONG_MAX, (base + L".wake").c_str());
    if (h.semaphore == nullptr) err = GetLastError();
  }
  LocalFree(descriptor);
  if (err != 0) {
    *code = err == ERROR_ACCESS_DENIED ? contract::kNamedOpenAccessDenied : contract::kNamedOpenFailed;
    *error = WinError("cannot open the kernel objects of this name", err);
    return nullptr;
  }
  if (!OwnedBy(h.mutex, sid) || !OwnedBy(h.mapping, sid) || !OwnedBy(h.semaphore, sid)) {
    *code = contract::kNamedOpenAccessDenied;
    *error = "the kernel objects of this name are owned by another user";
    return nullptr;
  }
  h.interrupt = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  h.view = MapViewOfFile(h.mapping, FILE_MAP_ALL_ACCESS, 0, 0,
                         static_cast<SIZE_T>(contract::kNamedObjectBytes));
  if (h.interrupt == nullptr || h.view == nullptr) {
    *code = contract::kNamedOpenFailed;
    *error = WinError("cannot map the record", GetLastError());
    return nullptr;
  }
  Record* record = RecordOf(h.view);
  uint64_t header = 0;
  // The mapping starts zero-filled: the first opener publishes the header.
  record->header.compare_exchange_strong(header, Header(kind));
  if (header != 0 && header != Header(kind)) {
    const uint32_t version = static_cast<uint32_t>(header >> 8) & 0xffffff;
    if (static_cast<uint32_t>(header >> 32) != static_cast<uint32_t>(contract::kNamedMagic) ||
        version != static_cast<uint32_t>(contract::kNamedLayoutVersion)) {
      *code = contract::kNamedOpenIncompatible;
    } else {
      *code = static_cast<int32_t>(header & 0xff) == contract::kKindRecursive
                  ? contract::kNamedOpenIsRecursive
                  : contract::kNamedOpenIsMutex;
    }
    *error = "the name holds another kind of lock or another layout";
    return nullptr;
  }
  auto* pm = new ProcessMutex();
  pm->kind_ = kind;
  pm->mutex_ = h.mutex;
  pm->mapping_ = h.mapping;
  pm->semaphore_ = h.semaphore;
  pm->interrupt_ = h.interrupt;
  pm->view_ = h.view;
  h.mutex = h.mapping = h.semaphore = h.interrupt = nullptr;
  h.view = nullptr;
  return pm;
}

int32_t ProcessMutex::Remove(const std::string& /*name*/, std::string* /*error*/) { return 0; }

ProcessMutex::~ProcessMutex() {
  UnmapViewOfFile(view_);
  CloseHandle(interrupt_);
  CloseHandle(semaphore_);
  CloseHandle(mapping_);
  CloseHandle(mutex_);
}

LockResult ProcessMutex::try_lock() {
  return Acquired(RecordOf(view_), WaitForSingleObject(mutex_, 0));
}

// BLOCKS until held or the deadline passes (steady_clock: QueryPerformanceCounter).
LockResult ProcessMutex::lock_until(Clock::time_point deadline) {
  for (;;) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    long long ms = remaining.count();
    if (ms < 0) ms = 0;
    if (ms > 86400000LL) ms = 86400000LL;  // a day per call; the loop waits again
    DWORD rc = WaitForSingleObject(mutex_, static_cast<DWORD>(ms));
    if (rc != WAIT_TIMEOUT) return Acquired(RecordOf(view_), rc);
    if (Clock::now() >= deadline) return LockResult::kBusy;
  }
}

void ProcessMutex::unlock() {
  Record* record = RecordOf(view_);
  ReleaseMutex(mutex_);
  // Store-load ordering against a watcher's add_watcher-then-try.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  int32_t watchers = record->async_waiters.load(std::memory_order_relaxed);
  if (watchers > 0) {
    record->wake_seq.fetch_add(1, std::memory_order_seq_cst);
    ReleaseSemaphore(semaphore_, watchers, nullptr);
  }
}

void ProcessMutex::set_owner(int32_t thread_id) {
  RecordOf(view_)->owner.store(
      (static_cast<uint64_t>(GetCurrentProcessId()) << 32) | static_cast<uint32_t>(thread_id),
      std::memory_order_release);
}

void ProcessMutex::clear_owner() { RecordOf(view_)->owner.store(0, std::memory_order_release); }

NamedOwner ProcessMutex::owner() const {
  uint64_t word = RecordOf(view_)->owner.load(std::memory_order_acquire);
  NamedOwner owner;
  owner.pid = static_cast<int32_t>(word >> 32);
  owner.thread_id = static_cast<int32_t>(static_cast<uint32_t>(word));
  // A process that died holding the lock left its record: nobody holds it
  // (the kernel released it; the next holder will be told).
  if (owner.pid != 0 && static_cast<DWORD>(owner.pid) != GetCurrentProcessId()) {
    HANDLE process = OpenProcess(SYNCHRONIZE, FALSE, static_cast<DWORD>(owner.pid));
    bool gone = process == nullptr ? GetLastError() == ERROR_INVALID_PARAMETER
                                   : WaitForSingleObject(process, 0) == WAIT_OBJECT_0;
    if (process != nullptr) CloseHandle(process);
    if (gone) return NamedOwner();
  }
  return owner;
}

void ProcessMutex::mark_abandoned() {
  RecordOf(view_)->abandoned.store(1, std::memory_order_relaxed);
}

void ProcessMutex::add_watcher() {
  RecordOf(view_)->async_waiters.fetch_add(1, std::memory_order_seq_cst);
}

void ProcessMutex::remove_watcher() {
  RecordOf(view_)->async_waiters.fetch_sub(1, std::memory_order_seq_cst);
}

uint32_t ProcessMutex::wake_seq() const {
  return RecordOf(view_)->wake_seq.load(std::memory_order_seq_cst);
}

// BLOCKS up to `ms` or until a release signals the semaphore (or interrupt_waits()).
void ProcessMutex::wait_for_wake(uint32_t seen, int ms) {
  if (wake_seq() != seen) return;
  HANDLE handles[2] = {semaphore_, interrupt_};
  // A count left by a release whose wake_seq change this watcher already saw
  // only makes it look again: harmless.
  WaitForMultipleObjects(2, handles, FALSE, static_cast<DWORD>(ms));
}

void ProcessMutex::interrupt_waits() { SetEvent(interrupt_); }

bool ProcessMutex::probe() {
  Record* record = RecordOf(view_);
  DWORD rc = WaitForSingleObject(mutex_, 0);
  if (rc == WAIT_ABANDONED) {
    // Its holder thread ended without releasing (process killed): recover it
    // for the waiters, abandoned for the next holder; unlock() wakes the
    // watchers of every process.
    record->abandoned.store(1, std::memory_order_relaxed);
    record->owner.store(0, std::memory_order_relaxed);
    unlock();
    return true;
  }
  if (rc != WAIT_OBJECT_0) return false;  // a live holder
  ReleaseMutex(mutex_);  // it was free: a wake-up may have been missed
  return true;
}

}  // namespace os_mutex

#endif  // _WIN32

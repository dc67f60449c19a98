// process_mutex_posix.cc — ProcessMutex on Linux (robust process-shared
// pthread mutex in POSIX shared memory) and on macOS (a kernel file lock).
// See process_mutex.h.
#if !defined(_WIN32)

#include "platform/process_mutex.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "include/contract.h"
#include "platform/posix_deadline.h"

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

namespace os_mutex {

namespace {

constexpr size_t kObjectBytes = static_cast<size_t>(contract::kNamedObjectBytes);

// The shared record. Its first two words (magic, version) keep their place in
// every layout version, so a process of another release can tell that it
// must not touch the rest.
struct Record {
#if defined(OS_MUTEX_NAMED_FLOCK)
  // (magic << 32) | (layout version << 8) | kind; 0 until the first opener's
  // compare-and-swap publishes it (no mutex to initialise: never half-done).
  std::atomic<uint64_t> header;
#else
  std::atomic<uint32_t> magic;     // contract::kNamedMagic once initialised (stored last)
  uint32_t version;                // contract::kNamedLayoutVersion
  int32_t kind;                    // contract::kKindMutex or kKindRecursive
#endif
  std::atomic<int32_t> abandoned;  // 1: a holder died holding it; taken by the next holder
  // The holder: (pid << 32) | uint32(threadId); 0: nobody. One word, so a
  // reader never sees half of one owner and half of another.
  std::atomic<uint64_t> owner;
  std::atomic<uint32_t> wake_seq;       // futex word (Linux); bumped by releases while async_waiters != 0
  std::atomic<int32_t> async_waiters;   // processes with a watcher
#if !defined(OS_MUTEX_NAMED_FLOCK)
  pthread_mutex_t mutex;  // PTHREAD_PROCESS_SHARED + PTHREAD_MUTEX_ROBUST, PTHREAD_MUTEX_NORMAL
#endif
};
static_assert(sizeof(Record) <= kObjectBytes, "the record must fit the shared object");
static_assert(std::atomic<uint64_t>::is_always_lock_free && std::atomic<uint32_t>::is_always_lock_free,
              "shared words must be lock-free to work across processes");

Record* RecordOf(void* view) { return static_cast<Record*>(view); }

std::string SystemError(const char* what, const std::string& path, int err) {
  return std::string(what) + " " + path + ": " + std::strerror(err);
}

// fstat. On Linux through the system call: glibc >= 2.33 exports `fstat` at
// version GLIBC_2.33, which a binary must not need (glibc_compat.h); the
// kernel's struct stat is glibc's on x86-64 and arm64.
int Fstat(int fd, struct stat* st) {
#if defined(__linux__)
  return static_cast<int>(syscall(SYS_fstat, fd, st));
#else
  return fstat(fd, st);
#endif
}

// Whether `st` is a file of the current user that nobody else may open.
// Catches an object squatted by another user (even when we run as root: the
// owner must be our effective uid) and one whose mode was widened.
bool OwnedPrivately(const struct stat& st, std::string* error, const std::string& path) {
  if (S_ISREG(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 077) == 0) return true;
  *error = path + " belongs to uid " + std::to_string(st.st_uid) + " with mode 0" +
           std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
           std::to_string(st.st_mode & 7) + "; os-mutex uses only objects of the current user (uid " +
           std::to_string(geteuid()) + ") with mode 0600";
  return false;
}

// This process's pid, for the owner record written on every acquisition.
// getpid() is a system call (glibc caches no pid since 2.25): called per
// acquisition it was most of an uncontended named pair's time (bench/NOTES.md,
// "Named locks", Hot path). Cached here; a fork()ed child reads it anew (the
// pthread_atfork handler, registered before the first value is cached, clears
// the cache in the child). Never blocks.
std::atomic<int32_t> cached_pid{0};

void ForgetPid() { cached_pid.store(0, std::memory_order_relaxed); }

int32_t CurrentPid() {
  int32_t pid = cached_pid.load(std::memory_order_relaxed);
  if (pid != 0) return pid;
  static const bool registered = pthread_atfork(nullptr, nullptr, ForgetPid) == 0;
  (void)registered;
  pid = static_cast<int32_t>(getpid());
  cached_pid.store(pid, std::memory_order_relaxed);
  return pid;
}

uint64_t OwnerWord(int32_t thread_id) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(CurrentPid())) << 32) |
         static_cast<uint32_t>(thread_id);
}

// Opens (creating with mode 0600 when absent) the file at `path`, never
// following a symbolic link, checks that it is the current user's and
// private, and makes it at least kObjectBytes long (growing a file only adds
// zeros, so two processes doing it at once agree). Returns the fd, or -1
// with `*code` and `*error` set. Never blocks.
int OpenPrivate(const std::string& path, int32_t* code, std::string* error) {
  int fd = -1;
  bool created = false;
  // A name removed between our two opens is simply created again.
  for (int attempt = 0; attempt < 8 && fd < 0; ++attempt) {
    fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    created = fd >= 0;
    if (fd < 0 && errno == EEXIST) fd = open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT) break;
  }
  if (fd < 0) {
    int err = errno;
    // EACCES / EPERM: another user's object; ELOOP: a symbolic link planted
    // under our name.
    *code = (err == EACCES || err == EPERM || err == ELOOP) ? contract::kNamedOpenAccessDenied
                                                            : contract::kNamedOpenFailed;
    *error = SystemError("cannot open", path, err);
    return -1;
  }
  // The umask may have narrowed the mode, never widened it; set it exactly.
  if (created) fchmod(fd, 0600);
  struct stat st;
  if (Fstat(fd, &st) != 0) {
    *code = contract::kNamedOpenFailed;
    *error = SystemError("cannot stat", path, errno);
    close(fd);
    return -1;
  }
  if (!OwnedPrivately(st, error, path)) {
    *code = contract::kNamedOpenAccessDenied;
    close(fd);
    return -1;
  }
  if (st.st_size < static_cast<off_t>(kObjectBytes) && ftruncate(fd, kObjectBytes) != 0) {
    *code = contract::kNamedOpenFailed;
    *error = SystemError("cannot size", path, errno);
    close(fd);
    return -1;
  }
  return fd;
}

// What a record's (version, kind) mean for an opener asking for `kind`: 0
// when it fits, else a contract::kNamedOpen* code.
int32_t CheckRecord(uint32_t version, int32_t record_kind, int32_t kind) {
  if (version != static_cast<uint32_t>(contract::kNamedLayoutVersion)) {
    return contract::kNamedOpenIncompatible;
  }
  if (record_kind != kind) {
    return record_kind == contract::kKindRecursive ? contract::kNamedOpenIsRecursive
                                                   : contract::kNamedOpenIsMutex;
  }
  return 0;
}

std::string CurrentUserPrefix() { return "os-mutex." + std::to_string(geteuid()); }

}  // namespace

std::string ProcessMutex::CurrentUser() { return std::to_string(geteuid()); }

// ============================================================================
#if !defined(OS_MUTEX_NAMED_FLOCK)  // Linux: robust process-shared mutex in /dev/shm

namespace {

// The object's path: what shm_open("/os-mutex.<euid>.<name>") opens on
// Linux. Opened directly so that O_NOFOLLOW applies and no librt is needed
// (glibc < 2.34 keeps shm_open there, and Node does not load it).
std::string ObjectPath(const std::string& name) {
  return "/dev/shm/" + CurrentUserPrefix() + "." + name;
}

// What a pthread lock call's result means. EOWNERDEAD: we hold it, its
// holder died holding it; made consistent here. ENOTRECOVERABLE cannot
// happen (every EOWNERDEAD is made consistent before the unlock) and reads
// as busy, as any other error.
LockResult Acquired(Record* record, int rc) {
  if (rc == EOWNERDEAD) {
    pthread_mutex_consistent(&record->mutex);
    record->abandoned.store(0, std::memory_order_relaxed);
    return LockResult::kAcquiredAbandoned;
  }
  if (rc != 0) return LockResult::kBusy;
  // Set by a worker's owner death or a watcher's recovery (probe()).
  if (record->abandoned.load(std::memory_order_relaxed) != 0 &&
      record->abandoned.exchange(0, std::memory_order_relaxed) != 0) {
    return LockResult::kAcquiredAbandoned;
  }
  return LockResult::kAcquired;
}

long Futex(std::atomic<uint32_t>* word, int op, uint32_t value, const timespec* timeout) {
  // Not FUTEX_PRIVATE_FLAG: the word is shared with other processes.
  return syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, value, timeout, nullptr, 0);
}

}  // namespace

ProcessMutex* ProcessMutex::Open(const std::string& name, int32_t kind, int32_t* code,
                                 std::string* error) {
  const std::string path = ObjectPath(name);
  int fd = OpenPrivate(path, code, error);
  if (fd < 0) return nullptr;
  // BLOCKS while another process initialises the object (a few system
  // calls). The kernel drops a flock when its holder dies, so a crash
  // mid-initialisation wedges nobody.
  while (flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      *code = contract::kNamedOpenFailed;
      *error = SystemError("cannot lock", path, errno);
      close(fd);
      return nullptr;
    }
  }
  void* view = mmap(nullptr, kObjectBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (view == MAP_FAILED) {
    *code = contract::kNamedOpenFailed;
    *error = SystemError("cannot map", path, errno);
    close(fd);
    return nullptr;
  }
  Record* record = RecordOf(view);
  int32_t mismatch = 0;
  if (record->magic.load(std::memory_order_acquire) != static_cast<uint32_t>(contract::kNamedMagic)) {
    // New, or half-initialised by a process that died here: (re)initialise
    // under the file lock. Nobody uses an object before its magic is set.
    std::memset(view, 0, kObjectBytes);
    record->version = static_cast<uint32_t>(contract::kNamedLayoutVersion);
    record->kind = kind;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_NORMAL);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    int rc = pthread_mutex_init(&record->mutex, &attr);
    pthread_mutexattr_destroy(&attr);
    if (rc != 0) {
      *code = contract::kNamedOpenFailed;
      *error = SystemError("cannot initialise the mutex of", path, rc);
      munmap(view, kObjectBytes);
      close(fd);
      return nullptr;
    }
    record->magic.store(static_cast<uint32_t>(contract::kNamedMagic), std::memory_order_release);
  } else {
    mismatch = CheckRecord(record->version, record->kind, kind);
  }
  // Unlocked explicitly: the mapping keeps the open file description (and
  // with it a flock) alive after close().
  flock(fd, LOCK_UN);
  close(fd);
  if (mismatch != 0) {
    *code = mismatch;
    *error = path + " holds another kind of lock or another layout";
    munmap(view, kObjectBytes);
    return nullptr;
  }
  auto* pm = new ProcessMutex();
  pm->kind_ = kind;
  pm->view_ = view;
  return pm;
}

int32_t ProcessMutex::Remove(const std::string& name, std::string* error) {
  const std::string path = ObjectPath(name);
  if (unlink(path.c_str()) == 0) return 1;
  int err = errno;
  if (err == ENOENT) return 0;
  *error = SystemError("cannot remove", path, err);
  // /dev/shm is sticky: another user's file is EPERM (EACCES on some systems).
  return (err == EACCES || err == EPERM) ? contract::kNamedOpenAccessDenied : contract::kNamedOpenFailed;
}

ProcessMutex::~ProcessMutex() { munmap(view_, kObjectBytes); }

LockResult ProcessMutex::try_lock() {
  Record* record = RecordOf(view_);
  return Acquired(record, pthread_mutex_trylock(&record->mutex));
}

// BLOCKS until held or the deadline passes.
LockResult ProcessMutex::lock_until(Clock::time_point deadline) {
  Record* record = RecordOf(view_);
  int rc = pthread_mutex_trylock(&record->mutex);
  if (rc != EBUSY) return Acquired(record, rc);
  const posix::ClockLockFn clock_lock = posix::ClockLockFunction();
  for (;;) {
    if (clock_lock != nullptr) {
      timespec ts = posix::ToTimespecOn(CLOCK_MONOTONIC, deadline);
      rc = clock_lock(&record->mutex, CLOCK_MONOTONIC, &ts);
    } else {
      timespec ts = posix::ToTimespecOn(CLOCK_REALTIME, deadline);
      rc = pthread_mutex_timedlock(&record->mutex, &ts);
    }
    if (rc == 0 || rc == EOWNERDEAD) return Acquired(record, rc);
    // Only the monotonic clock decides that the deadline passed (the
    // realtime fallback may return early after a wall-clock jump).
    if (Clock::now() >= deadline) return Acquired(record, pthread_mutex_trylock(&record->mutex));
  }
}

void ProcessMutex::unlock() {
  Record* record = RecordOf(view_);
  pthread_mutex_unlock(&record->mutex);
  // Store-load ordering against a watcher's add_watcher-then-try (see
  // core/named_lock.cc): either its try saw the lock free, or this sees it.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (record->async_waiters.load(std::memory_order_relaxed) != 0) {
    record->wake_seq.fetch_add(1, std::memory_order_seq_cst);
    Futex(&record->wake_seq, FUTEX_WAKE, INT_MAX, nullptr);
  }
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

// BLOCKS up to `ms` or until wake_seq changes.
void ProcessMutex::wait_for_wake(uint32_t seen, int ms) {
  timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000L};
  Futex(&RecordOf(view_)->wake_seq, FUTEX_WAIT, seen, &ts);
}

void ProcessMutex::interrupt_waits() {
  Futex(&RecordOf(view_)->wake_seq, FUTEX_WAKE, INT_MAX, nullptr);
}

bool ProcessMutex::probe() {
  Record* record = RecordOf(view_);
  int rc = pthread_mutex_trylock(&record->mutex);
  if (rc == EOWNERDEAD) {
    // The holder's process (or thread) died without releasing: the kernel
    // freed the robust mutex and marked it owner-dead. Recover it for the
    // waiters: abandoned for the next holder, consistent, released, and the
    // watchers of every process woken (unlock() bumps wake_seq).
    pthread_mutex_consistent(&record->mutex);
    record->abandoned.store(1, std::memory_order_relaxed);
    record->owner.store(0, std::memory_order_relaxed);
    unlock();
    return true;
  }
  if (rc != 0) return false;  // EBUSY: a live holder
  pthread_mutex_unlock(&record->mutex);  // it was free: a wake-up may have been missed
  return true;
}

#else  // OS_MUTEX_NAMED_FLOCK: macOS (and Linux test builds) =====================
// macOS has no robust mutexes (and no process-shared robust anything): the
// lock is a kernel file lock, flock(LOCK_EX), on
// $TMPDIR/os-mutex.<euid>/<name>.lock (directory 0700, file 0600, both the
// current user's), which the kernel drops when its holder process dies. A
// flock belongs to the open file, which every thread of the process shares,
// so the process's threads are serialised by an in-process mutex first. The
// record lives in the same file, mapped: a holder writes its owner record
// after locking and clears it before unlocking, so an acquirer that finds it
// still set knows that the previous holder died holding the lock
// (abandoned). Timed and blocking waits retry LOCK_NB every kPollMs (no
// timed flock exists), and async watchers poll wake_seq every kPollMs (no
// futex): a release is seen within about a millisecond.

namespace {

constexpr int kPollMs = 1;

void SleepMs(int ms) {
  timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000L};
  nanosleep(&ts, nullptr);
}

uint64_t Header(int32_t kind) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(contract::kNamedMagic)) << 32) |
         (static_cast<uint64_t>(contract::kNamedLayoutVersion) << 8) |
         static_cast<uint64_t>(static_cast<uint32_t>(kind) & 0xff);
}

// $TMPDIR/os-mutex.<euid> (or /tmp/...), created 0700 when absent; empty
// with `*code` / `*error` set when it is not a private directory of the
// current user (a symbolic link, another owner, a wider mode).
std::string PrivateDirectory(int32_t* code, std::string* error) {
  const char* tmp = getenv("TMPDIR");
  std::string dir = (tmp != nullptr && tmp[0] == '/') ? tmp : "/tmp";
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  dir += "/" + CurrentUserPrefix();
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    *code = contract::kNamedOpenFailed;
    *error = SystemError("cannot create", dir, errno);
    return std::string();
  }
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0) {
    *code = contract::kNamedOpenFailed;
    *error = SystemError("cannot stat", dir, errno);
    return std::string();
  }
  if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    *code = contract::kNamedOpenAccessDenied;
    *error = dir + " is not a directory of the current user (uid " + std::to_string(geteuid()) +
             ") with mode 0700";
    return std::string();
  }
  return dir;
}

// Acquires the file lock if free, for a thread that holds `local`. Never blocks.
bool TryFileLock(int fd) {
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EINTR) return false;  // EWOULDBLOCK: held by another process
  }
  return true;
}

// After both locks were taken: whether the previous holder died holding it
// (its owner record is still set, or owner death in a worker said so).
LockResult Acquired(Record* record) {
  bool abandoned = record->owner.load(std::memory_order_acquire) != 0;
  if (record->abandoned.load(std::memory_order_relaxed) != 0 &&
      record->abandoned.exchange(0, std::memory_order_relaxed) != 0) {
    abandoned = true;
  }
  if (abandoned) record->owner.store(0, std::memory_order_relaxed);
  return abandoned ? LockResult::kAcquiredAbandoned : LockResult::kAcquired;
}

}  // namespace

ProcessMutex* ProcessMutex::Open(const std::string& name, int32_t kind, int32_t* code,
                                 std::string* error) {
  const std::string dir = PrivateDirectory(code, error);
  if (dir.empty()) return nullptr;
  const std::string path = dir + "/" + name + ".lock";
  int fd = OpenPrivate(path, code, error);
  if (fd < 0) return nullptr;
  void* view = mmap(nullptr, kObjectBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (view == MAP_FAILED) {
    *code = contract::kNamedOpenFailed;
    *error = SystemError("cannot map", path, errno);
    close(fd);
    return nullptr;
  }
  Record* record = RecordOf(view);
  uint64_t header = 0;
  // The file starts zero-filled: the first opener publishes the header.
  record->header.compare_exchange_strong(header, Header(kind));
  if (header != 0 && header != Header(kind)) {
    int32_t mismatch = CheckRecord(static_cast<uint32_t>(header >> 8) & 0xffffff,
                                   static_cast<int32_t>(header & 0xff), kind);
    if (static_cast<uint32_t>(header >> 32) != static_cast<uint32_t>(contract::kNamedMagic)) {
      mismatch = contract::kNamedOpenIncompatible;
    }
    *code = mismatch;
    *error = path + " holds another kind of lock or another layout";
    munmap(view, kObjectBytes);
    close(fd);
    return nullptr;
  }
  auto* pm = new ProcessMutex();
  pm->kind_ = kind;
  pm->fd_ = fd;  // kept open: the flock is taken on it
  pm->view_ = view;
  return pm;
}

int32_t ProcessMutex::Remove(const std::string& name, std::string* error) {
  int32_t code = 0;
  const std::string dir = PrivateDirectory(&code, error);
  if (dir.empty()) return code;
  const std::string path = dir + "/" + name + ".lock";
  if (unlink(path.c_str()) == 0) return 1;
  int err = errno;
  if (err == ENOENT) return 0;
  *error = SystemError("cannot remove", path, err);
  return (err == EACCES || err == EPERM) ? contract::kNamedOpenAccessDenied : contract::kNamedOpenFailed;
}

ProcessMutex::~ProcessMutex() {
  munmap(view_, kObjectBytes);
  close(fd_);
  pthread_mutex_destroy(&local_);
}

LockResult ProcessMutex::try_lock() {
  if (pthread_mutex_trylock(&local_) != 0) return LockResult::kBusy;
  if (!TryFileLock(fd_)) {
    pthread_mutex_unlock(&local_);
    return LockResult::kBusy;
  }
  return Acquired(RecordOf(view_));
}

// BLOCKS until held or the deadline passes, retrying every kPollMs.
LockResult ProcessMutex::lock_until(Clock::time_point deadline) {
  for (;;) {
    LockResult result = try_lock();
    if (result != LockResult::kBusy || Clock::now() >= deadline) return result;
    SleepMs(kPollMs);
  }
}

void ProcessMutex::unlock() {
  Record* record = RecordOf(view_);
  flock(fd_, LOCK_UN);
  pthread_mutex_unlock(&local_);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (record->async_waiters.load(std::memory_order_relaxed) != 0) {
    record->wake_seq.fetch_add(1, std::memory_order_seq_cst);
  }
}

void ProcessMutex::add_watcher() {
  interrupted_.store(false);
  RecordOf(view_)->async_waiters.fetch_add(1, std::memory_order_seq_cst);
}

void ProcessMutex::remove_watcher() {
  RecordOf(view_)->async_waiters.fetch_sub(1, std::memory_order_seq_cst);
}

uint32_t ProcessMutex::wake_seq() const {
  return RecordOf(view_)->wake_seq.load(std::memory_order_seq_cst);
}

// BLOCKS up to `ms`, polling every kPollMs, or until wake_seq changes.
void ProcessMutex::wait_for_wake(uint32_t seen, int ms) {
  for (int waited = 0; waited < ms; waited += kPollMs) {
    if (wake_seq() != seen || interrupted_.load()) return;
    SleepMs(kPollMs);
  }
}

void ProcessMutex::interrupt_waits() { interrupted_.store(true); }

bool ProcessMutex::probe() {
  LockResult result = try_lock();
  if (result == LockResult::kBusy) return false;  // a live holder (the kernel drops a dead one's flock)
  if (result == LockResult::kAcquiredAbandoned) {
    // The previous holder died holding it: keep that news for the next
    // holder, then release and wake every process's watchers.
    mark_abandoned();
    unlock();
  } else {
    flock(fd_, LOCK_UN);  // it was free: a wake-up may have been missed
    pthread_mutex_unlock(&local_);
  }
  return true;
}

#endif  // OS_MUTEX_NAMED_FLOCK

// --- Both: the owner record --------------------------------------------------

void ProcessMutex::set_owner(int32_t thread_id) {
  RecordOf(view_)->owner.store(OwnerWord(thread_id), std::memory_order_release);
}

void ProcessMutex::clear_owner() { RecordOf(view_)->owner.store(0, std::memory_order_release); }

NamedOwner ProcessMutex::owner() const {
  uint64_t word = RecordOf(view_)->owner.load(std::memory_order_acquire);
  NamedOwner owner;
  owner.pid = static_cast<int32_t>(word >> 32);
  owner.thread_id = static_cast<int32_t>(static_cast<uint32_t>(word));
  // A process that died holding the lock left its record: nobody holds it
  // (the kernel released it; the next holder will be told).
  if (owner.pid != 0 && owner.pid != static_cast<int32_t>(getpid()) && kill(owner.pid, 0) != 0 &&
      errno == ESRCH) {
    return NamedOwner();
  }
  return owner;
}

void ProcessMutex::mark_abandoned() {
  RecordOf(view_)->abandoned.store(1, std::memory_order_relaxed);
}

}  // namespace os_mutex

#endif  // !_WIN32

// The only place that calls syscall(). Each wrapper retries EINTR and returns the result
// or -errno, so callers never read errno. Used by the child after clone3 (and by
// spawn.cc for clone3 itself): everything here must stay async-signal-safe, header-only,
// and free of libc calls other than syscall().
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <type_traits>

namespace tsrun::sys {

// clone3's flags this code uses and its argument (linux/sched.h, v2 with the cgroup field);
// declared here to avoid mixing the kernel header with glibc's <sched.h>.
inline constexpr uint64_t kClonePidfd = 0x00001000ULL;
inline constexpr uint64_t kCloneNewuser = 0x10000000ULL;
inline constexpr uint64_t kCloneIntoCgroup = 0x200000000ULL;

struct CloneArgs {
  uint64_t flags;
  uint64_t pidfd;
  uint64_t child_tid;
  uint64_t parent_tid;
  uint64_t exit_signal;
  uint64_t stack;
  uint64_t stack_size;
  uint64_t tls;
  uint64_t set_tid;
  uint64_t set_tid_size;
  uint64_t cgroup;
};

// The kernel's struct sigaction for rt_sigaction (not glibc's).
struct KernelSigaction {
  uintptr_t handler;
  unsigned long flags;
  uintptr_t restorer;
  uint64_t mask;
};

// struct open_how (linux/openat2.h).
struct OpenHow {
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};

constexpr uint64_t kResolveNoXdev = 0x01;
constexpr uint64_t kResolveNoMagiclinks = 0x02;
constexpr uint64_t kResolveNoSymlinks = 0x04;
constexpr uint64_t kResolveBeneath = 0x08;
constexpr uint64_t kResolveInRoot = 0x10;

// dev_t encoding (glibc's makedev/major/minor, here so no libc helper is called).
constexpr uint64_t dev_make(uint64_t ma, uint64_t mi) {
  return ((ma & 0xfffff000ULL) << 32) | ((ma & 0xfffULL) << 8) | ((mi & 0xffffff00ULL) << 12) | (mi & 0xffULL);
}
constexpr uint64_t dev_major(uint64_t dev) { return ((dev >> 8) & 0xfffULL) | ((dev >> 32) & ~0xfffULL); }
constexpr uint64_t dev_minor(uint64_t dev) { return (dev & 0xffULL) | ((dev >> 12) & ~0xffULL); }

template <typename T>
inline long arg(T v) {
  if constexpr (std::is_null_pointer_v<T>) {
    return 0;
  } else if constexpr (std::is_pointer_v<T>) {
    return reinterpret_cast<long>(v);
  } else {
    return static_cast<long>(v);
  }
}

// Raw call: the result, or -errno; EINTR is retried.
template <typename... A>
inline long call(long nr, A... a) {
  long r;
  do {
    r = syscall(nr, arg(a)...);
  } while (r == -1 && errno == EINTR);
  return r == -1 ? -errno : r;
}

// For calls where a retry after EINTR is wrong (close: the fd is gone either way).
template <typename... A>
inline long call_once(long nr, A... a) {
  long r = syscall(nr, arg(a)...);
  return r == -1 ? -errno : r;
}

inline long clone3(CloneArgs* args) { return call_once(SYS_clone3, args, sizeof(CloneArgs)); }
inline long getpid() { return call(SYS_getpid); }

// struct sched_attr (linux/sched/types.h), SCHED_ATTR_SIZE_VER1.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};
static_assert(sizeof(SchedAttr) == 56, "SCHED_ATTR_SIZE_VER1");

inline long sched_setattr(const SchedAttr* attr) { return call(SYS_sched_setattr, 0, attr, 0); }
inline long sched_getaffinity(size_t size, void* mask) { return call(SYS_sched_getaffinity, 0, size, mask); }
inline long sched_setaffinity(size_t size, const void* mask) { return call(SYS_sched_setaffinity, 0, size, mask); }
constexpr int kIoprioWhoProcess = 1;
inline long ioprio_set(int value) { return call(SYS_ioprio_set, kIoprioWhoProcess, 0, value); }
inline long personality(unsigned long persona) { return call(SYS_personality, persona); }
inline long getppid() { return call(SYS_getppid); }
inline long prctl(int op, unsigned long a2, unsigned long a3 = 0, unsigned long a4 = 0, unsigned long a5 = 0) {
  return call(SYS_prctl, op, a2, a3, a4, a5);
}
inline long rt_sigaction(int sig, const KernelSigaction* act, KernelSigaction* old) {
  return call(SYS_rt_sigaction, sig, act, old, sizeof(uint64_t));
}
inline long rt_sigprocmask(int how, const uint64_t* set, uint64_t* old) {
  return call(SYS_rt_sigprocmask, how, set, old, sizeof(uint64_t));
}
[[noreturn]] inline void exit_group(int status) {
  syscall(SYS_exit_group, arg(status));
  // Only a seccomp filter that denies exit_group gets here: die of SIGILL (a fault is
  // delivered even when blocked) instead of spinning.
  __builtin_trap();
}

inline long read(int fd, void* buf, size_t n) { return call(SYS_read, fd, buf, n); }
inline long write(int fd, const void* buf, size_t n) { return call(SYS_write, fd, buf, n); }
inline long close(int fd) { return call_once(SYS_close, fd); }
inline long openat(int dirfd, const char* path, int flags, unsigned mode = 0) {
  return call(SYS_openat, dirfd, path, flags, mode);
}
inline long openat2(int dirfd, const char* path, const OpenHow* how) {
  return call(SYS_openat2, dirfd, path, how, sizeof(OpenHow));
}
inline long send(int fd, const void* buf, size_t n, int flags) {
  return call(SYS_sendto, fd, buf, n, flags, nullptr, 0);
}
inline long recv(int fd, void* buf, size_t n, int flags) {
  return call(SYS_recvfrom, fd, buf, n, flags, nullptr, nullptr);
}
template <typename Msghdr>
inline long sendmsg(int fd, const Msghdr* msg, int flags) {
  return call(SYS_sendmsg, fd, msg, flags);
}
inline long fcntl(int fd, int cmd, long a = 0) { return call(SYS_fcntl, fd, cmd, a); }
inline long readlinkat(int dirfd, const char* path, char* buf, unsigned long size) {
  return call(SYS_readlinkat, dirfd, path, buf, size);
}
inline long pipe2(int* fds, int flags) { return call(SYS_pipe2, fds, flags); }
inline long dup3(int oldfd, int newfd, int flags) { return call(SYS_dup3, oldfd, newfd, flags); }
inline long close_range(unsigned first, unsigned last, unsigned flags) {
  return call(SYS_close_range, first, last, flags);
}
inline long socket(int domain, int type, int protocol) { return call(SYS_socket, domain, type, protocol); }
inline long ioctl(int fd, unsigned long req, long a = 0) { return call(SYS_ioctl, fd, req, a); }

template <typename Stat>
inline long fstatat(int dirfd, const char* path, Stat* st, int flags) {
  return call(SYS_newfstatat, dirfd, path, st, flags);
}
template <typename Statfs>
inline long fstatfs(int fd, Statfs* st) {
  return call(SYS_fstatfs, fd, st);
}
inline long mkdirat(int dirfd, const char* path, unsigned mode) { return call(SYS_mkdirat, dirfd, path, mode); }
inline long mknodat(int dirfd, const char* path, unsigned mode, uint64_t dev) {
  return call(SYS_mknodat, dirfd, path, mode, dev);
}
inline long fchownat(int dirfd, const char* path, uint32_t uid, uint32_t gid, int flags) {
  return call(SYS_fchownat, dirfd, path, uid, gid, flags);
}
inline long fchmodat(int dirfd, const char* path, unsigned mode) { return call(SYS_fchmodat, dirfd, path, mode); }
inline long fchmod(int fd, unsigned mode) { return call(SYS_fchmod, fd, mode); }
inline long getdents64(int fd, void* buf, size_t n) { return call(SYS_getdents64, fd, buf, n); }
inline long sendfile(int out_fd, int in_fd, size_t n) { return call(SYS_sendfile, out_fd, in_fd, nullptr, n); }
inline long unlinkat(int dirfd, const char* path, int flags) { return call(SYS_unlinkat, dirfd, path, flags); }
inline long symlinkat(const char* target, int dirfd, const char* path) {
  return call(SYS_symlinkat, target, dirfd, path);
}
// faccessat (not faccessat2): every seccomp profile knows it; it checks the real ids,
// which equal the effective ones once the credentials are switched.
inline long faccessat(int dirfd, const char* path, int mode) { return call(SYS_faccessat, dirfd, path, mode); }
inline long umask(unsigned mask) { return call(SYS_umask, mask); }
inline long set_mempolicy(int mode, const uint64_t* nodemask, unsigned long maxnode) {
  return call(SYS_set_mempolicy, mode, nodemask, maxnode);
}

inline long mount(const char* src, const char* dst, const char* type, unsigned long flags, const void* data) {
  return call(SYS_mount, src, dst, type, flags, data);
}
inline long umount2(const char* target, int flags) { return call(SYS_umount2, target, flags); }

// The fd-based mount API (linux/mount.h), so no mount is ever made through a path string
// the container could have prepared.
struct MountAttr {
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};
constexpr unsigned kOpenTreeClone = 1;
constexpr unsigned kAtRecursive = 0x8000;
constexpr unsigned kMoveMountFEmptyPath = 0x4;
constexpr unsigned kMoveMountTEmptyPath = 0x40;
constexpr uint64_t kMountAttrRdonly = 0x1;
constexpr uint64_t kMountAttrNosuid = 0x2;
constexpr uint64_t kMountAttrNodev = 0x4;
constexpr uint64_t kMountAttrNoexec = 0x8;
constexpr uint64_t kMountAttrAtimeMask = 0x70;
constexpr uint64_t kMountAttrRelatime = 0x0;
constexpr uint64_t kMountAttrNoatime = 0x10;
constexpr uint64_t kMountAttrStrictatime = 0x20;
constexpr uint64_t kMountAttrNodiratime = 0x80;
constexpr uint64_t kMountAttrNosymfollow = 0x00200000;
constexpr uint64_t kMountAttrIdmap = 0x00100000;
constexpr unsigned kFsconfigCmdCreate = 6;
inline long open_tree(int dirfd, const char* path, unsigned flags) { return call(SYS_open_tree, dirfd, path, flags); }
inline long move_mount(int from_dfd, const char* from, int to_dfd, const char* to, unsigned flags) {
  return call(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}
inline long mount_setattr(int dirfd, const char* path, unsigned flags, const MountAttr* attr) {
  return call(SYS_mount_setattr, dirfd, path, flags, attr, sizeof(MountAttr));
}
inline long fsopen(const char* fstype, unsigned flags) { return call(SYS_fsopen, fstype, flags); }
inline long fsconfig(int fd, unsigned cmd, const char* key, const void* value, int aux) {
  return call(SYS_fsconfig, fd, cmd, key, value, aux);
}
inline long fsmount(int fd, unsigned flags, unsigned attr_flags) { return call(SYS_fsmount, fd, flags, attr_flags); }
template <typename Statx>
inline long statx(int dirfd, const char* path, int flags, unsigned mask, Statx* out) {
  return call(SYS_statx, dirfd, path, flags, mask, out);
}
inline long pivot_root(const char* new_root, const char* put_old) { return call(SYS_pivot_root, new_root, put_old); }
inline long chroot(const char* path) { return call(SYS_chroot, path); }
inline long chdir(const char* path) { return call(SYS_chdir, path); }
inline long fchdir(int fd) { return call(SYS_fchdir, fd); }

inline long setns(int fd, int type) { return call(SYS_setns, fd, type); }
inline long unshare(unsigned long flags) { return call(SYS_unshare, flags); }
inline long sethostname(const char* name, size_t len) { return call(SYS_sethostname, name, len); }
inline long setdomainname(const char* name, size_t len) { return call(SYS_setdomainname, name, len); }
inline long setsid() { return call(SYS_setsid); }

// struct rlimit64.
struct Rlimit64 {
  uint64_t cur;
  uint64_t max;
};
inline long prlimit64(int pid, int resource, const Rlimit64* new_limit, Rlimit64* old_limit) {
  return call(SYS_prlimit64, pid, resource, new_limit, old_limit);
}
inline long setgroups(size_t n, const uint32_t* gids) { return call(SYS_setgroups, n, gids); }
inline long setresuid(uint32_t r, uint32_t e, uint32_t s) { return call(SYS_setresuid, r, e, s); }
inline long setresgid(uint32_t r, uint32_t e, uint32_t s) { return call(SYS_setresgid, r, e, s); }
inline long capset(void* header, const void* data) { return call(SYS_capset, header, data); }

// keyctl(2): KEYCTL_JOIN_SESSION_KEYRING, KEYCTL_DESCRIBE, KEYCTL_SETPERM (linux/keyctl.h).
constexpr int kKeyctlSetperm = 5;
constexpr int kKeyctlDescribe = 6;
constexpr int kKeyctlJoinSessionKeyring = 1;
inline long keyctl(int op, unsigned long a2, unsigned long a3 = 0, unsigned long a4 = 0, unsigned long a5 = 0) {
  return call(SYS_keyctl, op, a2, a3, a4, a5);
}

// seccomp(2): SECCOMP_SET_MODE_FILTER with a struct sock_fprog (linux/seccomp.h).
inline long seccomp(unsigned op, unsigned flags, const void* prog) { return call(SYS_seccomp, op, flags, prog); }

// For the hooks the child runs (hooks.cc): a fork with a pidfd, waited on with a timeout.
// clone(2) is the fallback where a profile answers clone3 with ENOSYS (Docker's does).
inline long clone_pidfd(unsigned long flags, int* pidfd) { return call_once(SYS_clone, flags, 0, pidfd, 0, 0); }
template <typename Pollfd, typename Timespec>
inline long ppoll(Pollfd* fds, unsigned n, const Timespec* timeout) {
  return call(SYS_ppoll, fds, n, timeout, nullptr, 0);
}
template <typename Siginfo>
inline long waitid(int idtype, int id, Siginfo* info, int options) {
  return call(SYS_waitid, idtype, id, info, options, nullptr);
}
inline long pidfd_send_signal(int pidfd, int sig) { return call(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0); }

inline long execve(const char* path, char* const* argv, char* const* envp) {
  return call(SYS_execve, path, argv, envp);
}

}  // namespace tsrun::sys

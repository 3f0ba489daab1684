// The hooks that run in the container (config.md "POSIX-platform Hooks"): createContainer
// after Resume, before pivot_root (the path resolves in the runtime's view, the mounts
// are the container's); startContainer after the exec.fifo byte, before execve (the path
// resolves in the container's root, with the process's credentials, capabilities and,
// with noNewPrivileges, its seccomp filter: runc's place for both). The init forks each
// hook (never the runtime process, DESIGN.md 1): stdin a pipe holding the state document,
// stdout and stderr the init's stderr, no other fd, the signal mask empty; then waits on
// its pidfd for the hook's timeout, and SIGKILLs and reaps it past that.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"
#include "text.h"

namespace tsrun {
namespace {

constexpr int kPidfdWait = 3;  // P_PIDFD

// The hook process: its stdio, nothing else of the init's fds, then execve. `rootfs_fd`
// >= 0 for createContainer: the init's mask is still full then, and the hook runs in the
// rootfs, as runc's init has chdir'ed there. startContainer inherits an empty mask and
// the process's cwd (and the user's filter: only after_filter.h's calls here).
[[noreturn]] void hook_exec(const Child& c, const HookPlan& h, int state_fd, int rootfs_fd) {
  if (rootfs_fd >= 0) {
    uint64_t none = 0;
    sys::rt_sigprocmask(SIG_SETMASK, &none, nullptr);
    if (sys::fchdir(rootfs_fd) < 0) sys::exit_group(127);
  }
  // Node marks its stdio close-on-exec: each of 0, 1 and 2 is made anew by dup3 without it.
  if (sys::dup3(state_fd, 0, 0) < 0 || sys::dup3(2, 1, 0) < 0 || sys::dup3(1, 2, 0) < 0) sys::exit_group(127);
  // Closed for real: the kernel resolves the hook's path and interpreter before
  // close-on-exec applies (the same reason as fds.cc).
  long r = sys::close_range(3, ~0U, 0);
  if (r == -ENOSYS) {
    for (unsigned fd = 3; fd < c.fd_bound; fd++) sys::close(static_cast<int>(fd));
  } else if (r < 0) {
    sys::exit_group(127);
  }
  r = sys::execve(h.path, h.argv, h.envp != nullptr ? h.envp : c.plan->envp);
  text::Buf<kMaxPathLen + 64> line;
  line.add("tsrun: hook ").add(h.path).add(": execve: errno ").add_i64(-r).add("\n");
  sys::write(2, line.c_str(), line.size());
  sys::exit_group(127);
}

// The state document in a pipe, whole, before the hook exists: nothing blocks on a hook
// that does not read, and no SIGPIPE can reach the init. Returns the read end or -errno.
long state_pipe(const HookSetPlan& set) {
  int fds[2];
  long r = sys::pipe2(fds, O_CLOEXEC | O_NONBLOCK);
  if (r < 0) return r;
  long own = sys::getpid();
  if (own < 0) {
    sys::close(fds[0]);
    sys::close(fds[1]);
    return own;
  }
  text::Buf<24> pid;
  pid.add_i64(own);
  const char* parts[3] = {set.state_prefix, pid.c_str(), set.state_suffix};
  for (const char* part : parts) {
    size_t n = text::length(part);
    r = sys::write(fds[1], part, n);
    if (r >= 0 && static_cast<size_t>(r) != n) r = -EFBIG;  // more than the pipe holds
    if (r < 0) break;
  }
  sys::close(fds[1]);
  if (r < 0) {
    sys::close(fds[0]);
    return r;
  }
  return fds[0];
}

long fork_hook(const Child& c, const HookPlan& h, int state_fd, int rootfs_fd, int* pidfd) {
  sys::CloneArgs args{};
  args.flags = sys::kClonePidfd;
  args.pidfd = reinterpret_cast<uint64_t>(pidfd);
  args.exit_signal = SIGCHLD;
  long pid = sys::clone3(&args);
  if (pid == -ENOSYS) pid = sys::clone_pidfd(sys::kClonePidfd | SIGCHLD, pidfd);
  if (pid == 0) hook_exec(c, h, state_fd, rootfs_fd);
  return pid;
}

// Waits for the hook, SIGKILLs it past its timeout; fills `m` when it failed.
bool await_hook(const HookPlan& h, int pidfd, SyncMsg* m) {
  struct pollfd pfd = {pidfd, POLLIN, 0};
  struct timespec limit = {h.timeout_ms / 1000, (h.timeout_ms % 1000) * 1000000};
  long r = sys::ppoll(&pfd, 1, h.timeout_ms < 0 ? nullptr : &limit);
  bool timed_out = r == 0;
  if (timed_out) sys::pidfd_send_signal(pidfd, SIGKILL);
  siginfo_t si{};
  long w = sys::waitid(kPidfdWait, pidfd, &si, WEXITED);
  if (r < 0 || w < 0) {
    m->err = static_cast<int32_t>(r < 0 ? -r : -w);
    return false;
  }
  if (timed_out) {
    m->err = ETIMEDOUT;
    m->arg = h.timeout_ms / 1000;
    return false;
  }
  if (si.si_code == CLD_EXITED && si.si_status == 0) return true;
  m->arg = si.si_code == CLD_EXITED ? si.si_status : -static_cast<int64_t>(si.si_status);
  return false;
}

// Runs one hook; true when it exited 0, else `m` says why.
bool run_hook(const Child& c, const HookSetPlan& set, const HookPlan& h, int rootfs_fd, SyncMsg* m) {
  m->index = h.index;
  report_fill_detail(*m, h.path);
  // Not found, or not executable by whoever the init is now: said as such, not as the
  // 127 of a failed execve.
  long r = sys::faccessat(AT_FDCWD, h.path, X_OK);
  if (r < 0) {
    m->err = static_cast<int32_t>(-r);
    return false;
  }
  long state_fd = state_pipe(set);
  if (state_fd < 0) {
    m->err = static_cast<int32_t>(-state_fd);
    return false;
  }
  int pidfd = -1;
  long pid = fork_hook(c, h, static_cast<int>(state_fd), rootfs_fd, &pidfd);
  sys::close(static_cast<int>(state_fd));
  if (pid < 0) {
    m->err = static_cast<int32_t>(-pid);
    return false;
  }
  bool ok = await_hook(h, pidfd, m);
  sys::close(pidfd);
  return ok;
}

// Runs the set in order, stopping at the first failure (described in `m`).
bool run_set(const Child& c, const HookSetPlan& set, ChildStep step, int rootfs_fd, SyncMsg* m) {
  for (uint32_t i = 0; i < set.n_hooks; i++) {
    *m = SyncMsg{};
    m->type = static_cast<uint32_t>(SyncType::Error);
    m->step = static_cast<int32_t>(step);
    if (!run_hook(c, set, set.hooks[i], rootfs_fd, m)) return false;
  }
  return true;
}

}  // namespace

void hooks_create_container(const Child& c) {
  const HookSetPlan& set = c.plan->create_container_hooks;
  if (set.n_hooks == 0) return;
  SyncMsg m{};
  if (run_set(c, set, ChildStep::CreateContainerHook, c.root_fd, &m)) return;
  sys::write(c.sync_fd, &m, sizeof m);
  sys::exit_group(1);
}

void hooks_start_container(const Child& c) {
  int report = c.plan->start_report_fd;
  if (report < 0) return;
  SyncMsg m{};
  bool ok = run_set(c, c.plan->start_container_hooks, ChildStep::StartContainerHook, -1, &m);
  if (ok) {
    m = SyncMsg{};
    m.type = static_cast<uint32_t>(SyncType::StartHooksDone);
    m.index = -1;
  }
  // `start` holds the fifo's read end: the message stays even if we exit at once.
  sys::write(report, &m, sizeof m);
  sys::close(report);
  if (!ok) sys::exit_group(1);
}

}  // namespace tsrun

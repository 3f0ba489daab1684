// The child's ordered steps, from clone3 to execve. Runs in a copy of the runtime
// process with only this thread: async-signal-safe code only (DESIGN.md section 1).
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"

namespace tsrun {

namespace {

// Above every fd the runtime may hold, for closing fds on a kernel without close_range.
unsigned runtime_fd_bound() {
  sys::Rlimit64 lim{};
  if (sys::prlimit64(0, RLIMIT_NOFILE, nullptr, &lim) < 0) return 1U << 20;
  uint64_t bound = lim.cur > lim.max ? lim.cur : lim.max;
  return bound > (1U << 20) ? (1U << 20) : static_cast<unsigned>(bound);
}

}  // namespace

// Node ignores SIGPIPE/SIGXFSZ and handles others; ignored dispositions survive execve,
// so every signal goes back to SIG_DFL. The mask stays full until the last steps.
void signals_reset_all() {
  sys::KernelSigaction dfl{};
  dfl.handler = reinterpret_cast<uintptr_t>(SIG_DFL);
  for (int sig = 1; sig < 65; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    sys::rt_sigaction(sig, &dfl, nullptr);
  }
}

// PDEATHSIG first, then check the parent: if the runtime died before PDEATHSIG was set,
// nobody would ever kill us (runc nsexec does the same).
void child_guard_parent(const Child& c, bool ppid_may_be_zero) {
  if (sys::prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) sys::exit_group(1);
  long ppid = sys::getppid();
  if (ppid == c.parent_pid) return;
  if (ppid == 0 && ppid_may_be_zero) return;
  sys::exit_group(1);
}

void child_non_dumpable(const Child& c) {
  long r = sys::prctl(PR_SET_DUMPABLE, 0);
  if (r < 0) fail(c, ChildStep::Setup, -1, r, "prctl PR_SET_DUMPABLE");
}

void child_begin(Child& c) {
  signals_reset_all();
  child_guard_parent(c, false);
  // Non-dumpable before any setns: nothing in the container may reach this copy of the
  // runtime through /proc (CVE-2019-5736 class, CVE-2016-9962).
  child_non_dumpable(c);
  c.fd_bound = runtime_fd_bound();
  child_await(c, SyncType::Go);
  limits_apply(c);
  ns_join_all(c);
}

void child_fork_if_needed(Child& c) {
  if (!ns_needs_fork(*c.plan)) return;
  ns_fork_init(c);  // only the forked process returns
  c.ppid_may_be_zero = true;
  child_guard_parent(c, true);
}

[[noreturn]] void child_main(const ChildPlan* plan, int sync_fd, int parent_pid) {
  Child c{plan, sync_fd, parent_pid, -1, false, false, -1, false, 0};
  child_begin(c);
  ns_unshare_user(c);
  ns_unshare_rest(c);
  ns_await_time_offsets(c);
  ns_loopback_up(c);
  child_fork_if_needed(c);  // the init enters the time namespace: its offsets are fixed now
  session_start(c);         // the init, whichever process that is now
  ns_read_setgroups(c);
  // In the container's namespaces, still root there, before the mounts (runc's place).
  keyring_join_session(c);

  rootfs_prepare(c);
  rootfs_mount_all(c);
  devices_create_all(c);
  devices_symlinks(c);
  child_send(c, SyncType::CreateRuntime, 0);
  child_await(c, SyncType::Resume);
  // In the container's namespaces, its mounts made, before pivot_root (runc's place).
  hooks_create_container(c);

  rootfs_pivot(c);
  rootfs_make_cwd(c);
  ns_set_names(c);
  // Sysctls before the read-only paths: /proc/sys is usually one of them (runc's order).
  ns_write_sysctls(c);
  // The console before the masked and read-only paths (runc's order): /dev/console may
  // have to be created, and nothing it binds may land on them.
  console_setup(c, true);
  rootfs_readonly_paths(c);
  rootfs_mask_paths(c);
  rootfs_readonly_root(c);
  child_finish(c);
}

// The steps create and exec share, from the root's last use to execve.
[[noreturn]] void child_finish(Child& c) {
  const ChildPlan* plan = c.plan;
  // Everything that resolves a path or opens a file is done before the user's filter.
  char path[kMaxPathLen + 1];
  exec_prepare(c, path);
  fds_prepare_exec(c);
  if (plan->umask >= 0) sys::umask(static_cast<unsigned>(plan->umask));
  // Inherited by the process across execve; before the filter, which need not allow it.
  memory_policy_apply(c);
  process_attrs_apply(c);
  uint64_t none = 0;
  sys::rt_sigprocmask(SIG_SETMASK, &none, nullptr);

  // From here on, only the calls of after_filter.h.
  if (seccomp_wanted(*plan, false)) seccomp_load(c);
  creds_apply(c);
  exec_check_user(c, path);
  child_send(c, SyncType::Ready, 0);
  // The container must outlive create, but only once create has recorded it: clearing
  // PDEATHSIG as soon as Ready is sent raced with create's exit (the child was killed).
  child_await(c, SyncType::Detach);
  sys::prctl(PR_SET_PDEATHSIG, 0);
  // With no_new_privs the filter goes in last, but while create still listens: a filter
  // the kernel refuses fails `create`, not `start` (runc's order).
  if (seccomp_wanted(*plan, true)) seccomp_load(c);
  child_send(c, SyncType::Detached, 0);
  exec_wait_fifo(c);
  hooks_start_container(c);
  exec_program(c, path);
}

}  // namespace tsrun

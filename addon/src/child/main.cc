// The child's ordered steps, from clone3 to execve. Runs in a copy of the runtime
// process with only this thread: async-signal-safe code only (DESIGN.md section 1).
#include <signal.h>
#include <sys/prctl.h>

#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"

namespace tsrun {

// Node ignores SIGPIPE/SIGXFSZ and handles others; ignored dispositions survive execve,
// so every signal goes back to SIG_DFL. The mask stays full until just before execve.
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

[[noreturn]] void child_main(const ChildPlan* plan, int sync_fd, int parent_pid) {
  Child c{plan, sync_fd, parent_pid, -1, false};
  signals_reset_all();
  child_guard_parent(c, false);
  // Non-dumpable before any setns: nothing in the container may open /proc/PID/exe of
  // this copy of node (CVE-2019-5736 class).
  long r = sys::prctl(PR_SET_DUMPABLE, 0);
  if (r < 0) fail(c, ChildStep::Setup, -1, r, "prctl PR_SET_DUMPABLE");

  child_await(c, SyncType::Go);
  limits_apply(c);
  ns_join_all(c);
  ns_unshare_user(c);
  ns_unshare_rest(c);
  if (ns_needs_fork(*plan)) {
    ns_fork_init(c);  // only the new init returns
    c.ppid_may_be_zero = true;
    child_guard_parent(c, true);
  }
  // In the container's namespaces, still root there, before the mounts (runc's place).
  keyring_join_session(c);

  rootfs_prepare(c);
  rootfs_mount_all(c);
  devices_create_all(c);
  devices_symlinks(c);
  child_send(c, SyncType::CreateRuntime, 0);
  child_await(c, SyncType::Resume);

  rootfs_pivot(c);
  rootfs_make_cwd(c);
  ns_set_names(c);
  // Sysctls before the read-only paths: /proc/sys is usually one of them (runc's order).
  ns_write_sysctls(c);
  rootfs_readonly_paths(c);
  rootfs_mask_paths(c);
  // Console before the read-only root: /dev/console may have to be created.
  console_setup(c);
  rootfs_readonly_root(c);
  creds_apply(c);

  char path[kMaxPathLen + 1];
  exec_lookup(c, path);
  child_send(c, SyncType::Ready, 0);
  // The container must outlive create, but only once create has recorded it: clearing
  // PDEATHSIG as soon as Ready is sent raced with create's exit (the child was killed).
  child_await(c, SyncType::Detach);
  sys::prctl(PR_SET_PDEATHSIG, 0);
  child_send(c, SyncType::Detached, 0);
  exec_wait_fifo(c);
  exec_program(c, path);
}

}  // namespace tsrun

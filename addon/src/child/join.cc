// `exec`: the child joins a running container instead of building one. Its namespaces
// (user first; pid and time through a fork), then its root, given as an fd the runtime
// opened on /proc/PID/root of the container's init: no path of the host or of the
// container is trusted for it. Then the same confinement as the container's process
// (child_finish). The cgroup was joined at birth (v2) or before Go (v1).
#include <signal.h>
#include <sys/prctl.h>

#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"

namespace tsrun {
namespace {

// chroot to the container's root through its fd: the mount namespace joined, root and
// cwd are that namespace's root, which is not the container's with --no-pivot (chroot)
// or without a mount namespace; the init's root is right in every case.
void enter_root(const Child& c) {
  long r = sys::fchdir(c.root_fd);
  if (r < 0) fail(c, ChildStep::EnterRoot, -1, r, "fchdir");
  r = sys::chroot(".");
  if (r < 0) fail(c, ChildStep::EnterRoot, -1, r, "chroot");
}

}  // namespace

[[noreturn]] void join_main(const ChildPlan* plan, int sync_fd, int parent_pid) {
  Child c{plan, sync_fd, parent_pid, plan->root_fd, false, false, -1, false, 0};
  signals_reset_all();
  child_guard_parent(c, false);
  // Non-dumpable before any setns: a process of the container must not reach this copy
  // of the runtime through /proc (CVE-2019-5736 class, CVE-2016-9962).
  child_non_dumpable(c);
  c.fd_bound = runtime_fd_bound();

  child_await(c, SyncType::Go);
  limits_apply(c);
  ns_join_all(c);
  if (ns_needs_fork(*plan)) {
    ns_fork_init(c);  // only the process inside the pid namespace returns
    c.ppid_may_be_zero = true;
    child_guard_parent(c, true);
  }
  session_start(c);
  keyring_join_session(c);
  enter_root(c);
  console_setup(c, false);
  child_finish(c);
}

}  // namespace tsrun

// `exec`: the child joins a running container instead of building one. Its namespaces
// (user first; pid and time through a fork), then its root, given as an fd the runtime
// opened on /proc/PID/root of the container's init: no path of the host or of the
// container is trusted for it. Then the same confinement as the container's process
// (child_finish). The cgroup was joined at birth (v2) or before Go (v1).
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
  child_begin(c);
  child_fork_if_needed(c);  // into the container's pid namespace
  session_start(c);
  keyring_join_session(c);
  enter_root(c);
  console_setup(c, false);
  child_finish(c);
}

}  // namespace tsrun

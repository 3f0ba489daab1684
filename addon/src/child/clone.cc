// clone3 fork-style (no CLONE_VM: the child gets a copy of this process with only the
// calling thread), with CLONE_PIDFD, and CLONE_INTO_CGROUP when the plan has a v2 cgroup.
// Child code: from the clone on, only async-signal-safe calls (check-child.sh).
#include <signal.h>

#include "child.h"
#include "sys.h"

namespace tsrun {
namespace {

long clone_now(const ChildPlan* plan, int parent_end, int child_end, int parent_pid, int* pidfd) {
  sys::CloneArgs args{};
  args.flags = sys::kClonePidfd | (plan->cgroup_fd >= 0 ? sys::kCloneIntoCgroup : 0);
  args.pidfd = reinterpret_cast<uint64_t>(pidfd);
  args.exit_signal = SIGCHLD;
  args.cgroup = plan->cgroup_fd >= 0 ? static_cast<uint64_t>(plan->cgroup_fd) : 0;
  long pid = sys::clone3(&args);
  if (pid == 0) {
    sys::close(parent_end);
    if (plan->root_fd >= 0) join_main(plan, child_end, parent_pid);
    child_main(plan, child_end, parent_pid);
  }
  return pid;
}

}  // namespace

long clone_child(const ChildPlan* plan, int parent_end, int child_end, int parent_pid, int* pidfd) {
  const CpuMaskPlan& initial = plan->affinity_initial;
  if (initial.bytes == nullptr) return clone_now(plan, parent_end, child_end, parent_pid, pidfd);
  // process.execCPUAffinity.initial: the child is born on those CPUs, before it joins the
  // container's cgroup (runc sets it on a locked thread around the start the same way).
  uint8_t saved[kMaxCpuMaskBytes];
  long saved_size = sys::sched_getaffinity(sizeof saved, saved);
  if (saved_size < 0) return saved_size;
  long r = sys::sched_setaffinity(initial.size, initial.bytes);
  if (r < 0) return r;
  long pid = clone_now(plan, parent_end, child_end, parent_pid, pidfd);
  // This thread's own mask back; it was valid a moment ago, and a failure would only
  // leave this short-lived runtime on fewer CPUs.
  sys::sched_setaffinity(static_cast<size_t>(saved_size), saved);
  return pid;
}

}  // namespace tsrun

// clone3 fork-style (no CLONE_VM: the child gets a copy of this process with only the
// calling thread), with CLONE_PIDFD, and CLONE_INTO_CGROUP when the plan has a v2 cgroup.
#include "spawn.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "child/child.h"
#include "child/sys.h"

namespace tsrun {
namespace {

constexpr uint64_t kClonePidfd = 0x00001000ULL;        // linux/sched.h
constexpr uint64_t kCloneIntoCgroup = 0x200000000ULL;  // linux/sched.h

}  // namespace

int spawn_child(const ChildPlan* plan, SpawnOut* out, const char** op) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    *op = "socketpair";
    return -errno;
  }
  int parent_pid = static_cast<int>(sys::getpid());

  // No handler of this process may run in the child between clone3 and its own reset:
  // block everything (32/33 included, hence the raw call) and restore it right after.
  uint64_t all = ~0ULL;
  uint64_t old = 0;
  sys::rt_sigprocmask(SIG_SETMASK, &all, &old);

  int pidfd = -1;
  sys::CloneArgs args{};
  args.flags = kClonePidfd | (plan->cgroup_fd >= 0 ? kCloneIntoCgroup : 0);
  args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  args.cgroup = plan->cgroup_fd >= 0 ? static_cast<uint64_t>(plan->cgroup_fd) : 0;
  long pid = sys::clone3(&args);
  if (pid == 0) {
    sys::close(sv[0]);
    child_main(plan, sv[1], parent_pid);
  }

  sys::rt_sigprocmask(SIG_SETMASK, &old, nullptr);
  sys::close(sv[1]);
  if (pid < 0) {
    sys::close(sv[0]);
    *op = "clone3";
    return static_cast<int>(pid);
  }
  *out = {static_cast<int>(pid), pidfd, sv[0]};
  return 0;
}

}  // namespace tsrun

// The parent's half of clone3: the sync socket pair, every plan fd lifted above the
// preserved range, all signals blocked around the clone. The clone itself and the child's
// first instructions live in child/clone.cc, where check-child.sh can see them.
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "child/child.h"
#include "child/sys.h"

namespace tsrun {
namespace {

// Dups made for the child, closed in the parent once the clone is done.
class LiftedFds {
 public:
  explicit LiftedFds(int floor) : floor_(floor) {}
  LiftedFds(const LiftedFds&) = delete;
  LiftedFds& operator=(const LiftedFds&) = delete;
  ~LiftedFds() {
    for (int fd : dups_) close(fd);
  }

  // Moves *fd to a CLOEXEC dup >= floor when it lies below; false (errno set) on failure.
  bool lift(int32_t* fd) {
    if (*fd < 0 || *fd >= floor_) return true;
    int dup = fcntl(*fd, F_DUPFD_CLOEXEC, floor_);
    if (dup < 0) return false;
    dups_.push_back(dup);
    *fd = dup;
    return true;
  }

 private:
  int floor_;
  std::vector<int> dups_;
};

bool lift_plan_fds(ChildPlan* plan, LiftedFds* lifted) {
  for (uint32_t i = 0; i < plan->n_joins; i++)
    if (!lifted->lift(&const_cast<NsJoin*>(plan->joins)[i].fd)) return false;
  for (uint32_t i = 0; i < plan->n_mounts; i++)
    if (!lifted->lift(&const_cast<MountPlan*>(plan->mounts)[i].source_tree_fd)) return false;
  return lifted->lift(&plan->cgroup_fd) && lifted->lift(&plan->root_fd) && lifted->lift(&plan->fifo_fd) &&
         lifted->lift(&plan->console_socket_fd);
}

}  // namespace

int spawn_child(ChildPlan* plan, SpawnOut* out, const char** op) {
  LiftedFds lifted(3 + plan->preserve_fds);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    *op = "socketpair";
    return -errno;
  }
  int child_end = sv[1];
  if (!lift_plan_fds(plan, &lifted) || !lifted.lift(&child_end)) {
    int err = errno;
    close(sv[0]);
    close(sv[1]);
    *op = "fcntl F_DUPFD_CLOEXEC";
    return -err;
  }
  int parent_pid = static_cast<int>(sys::getpid());

  // No handler of this process may run in the child between clone3 and its own reset:
  // block everything (32/33 included, hence the raw call) and restore it right after.
  uint64_t all = ~0ULL;
  uint64_t old = 0;
  sys::rt_sigprocmask(SIG_SETMASK, &all, &old);
  int pidfd = -1;
  long pid = clone_child(plan, sv[0], child_end, parent_pid, &pidfd);
  sys::rt_sigprocmask(SIG_SETMASK, &old, nullptr);

  close(sv[1]);
  if (pid < 0) {
    close(sv[0]);
    *op = "clone3";
    return static_cast<int>(pid);
  }
  *out = {static_cast<int>(pid), pidfd, sv[0]};
  return 0;
}

}  // namespace tsrun

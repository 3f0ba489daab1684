// A process in a new user namespace that only waits, for an idmapped mount: the runtime
// writes its uid_map and gid_map (the mount's mappings), opens its /proc/PID/ns/user as
// the mount's idmap (MOUNT_ATTR_IDMAP), then closes the pipe and it exits. clone3 makes a
// new process, which a multi-threaded runtime may do where it may not unshare itself.
// Child code: from the clone on, raw syscalls only (check-child.sh).
#include <signal.h>
#include <sys/prctl.h>

#include "child.h"
#include "sys.h"

namespace tsrun {
long spawn_userns_holder(int wait_fd, int write_end, int* pidfd) {
  sys::CloneArgs args{};
  args.flags = sys::kClonePidfd | sys::kCloneNewuser;
  args.pidfd = reinterpret_cast<uint64_t>(pidfd);
  args.exit_signal = SIGCHLD;
  long pid = sys::clone3(&args);
  if (pid == 0) {
    sys::prctl(PR_SET_PDEATHSIG, SIGKILL);
    sys::close(write_end);
    char byte;
    sys::read(wait_fd, &byte, 1);  // EOF once the runtime closed its end
    sys::exit_group(0);
  }
  return pid;
}

}  // namespace tsrun

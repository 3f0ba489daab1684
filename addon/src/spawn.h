#pragma once

#include "plan.h"

namespace tsrun {

struct SpawnOut {
  int pid;
  int pidfd;    // CLOEXEC
  int sync_fd;  // the runtime's end, CLOEXEC
};

// Clones the child for `plan`; 0 or -errno, with `*op` naming the failed call. Leaves no
// fd open on failure. Every fd the plan names is first moved above the preserved range
// (3 + preserve_fds), rewriting the plan in place: no runtime fd can fall among the fds
// the container inherits (CVE-2016-9962 class).
int spawn_child(ChildPlan* plan, SpawnOut* out, const char** op);

}  // namespace tsrun

#pragma once

#include "plan.h"

namespace tsrun {

struct SpawnOut {
  int pid;
  int pidfd;    // CLOEXEC
  int sync_fd;  // the runtime's end, CLOEXEC
};

// Clones the child for `plan`; 0 or -errno, with `*op` naming the failed call. Leaves no
// fd open on failure.
int spawn_child(const ChildPlan* plan, SpawnOut* out, const char** op);

}  // namespace tsrun

// linux.memoryPolicy: set_mempolicy(2) on the thread that execs; the policy survives
// fork and execve, so the container's process and its children get it.
#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"

namespace tsrun {

void memory_policy_apply(const Child& c) {
  const ChildPlan& p = *c.plan;
  if (!p.has_memory_policy) return;
  // maxnode counts one past the last bit the kernel reads (set_mempolicy(2)).
  long r = sys::set_mempolicy(p.memory_policy_mode, p.memory_policy_nodes, kMaxNumaNodes + 1);
  if (r < 0) fail(c, ChildStep::MemoryPolicy, -1, r, "set_mempolicy");
}

}  // namespace tsrun

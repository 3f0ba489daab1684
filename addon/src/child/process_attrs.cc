// How the process is run by the kernel: linux.personality, process.execCPUAffinity's
// final mask, process.ioPriority and process.scheduler. Set after the cgroup is joined
// (the cpuset there would override the mask), before the user's filter (which may deny
// these calls) and the credential switch (a real-time policy or class needs
// CAP_SYS_NICE / CAP_SYS_ADMIN). The scheduler goes last: a SCHED_DEADLINE task may not
// change its affinity any more.
#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"

namespace tsrun {

void process_attrs_apply(const Child& c) {
  const ChildPlan& p = *c.plan;
  if (p.personality >= 0) {
    long r = sys::personality(static_cast<unsigned long>(p.personality));
    if (r < 0) fail(c, ChildStep::Personality, -1, r, "personality");
  }
  if (p.affinity_final.bytes != nullptr) {
    long r = sys::sched_setaffinity(p.affinity_final.size, p.affinity_final.bytes);
    if (r < 0) fail(c, ChildStep::CpuAffinity, 1, r, "sched_setaffinity");
  }
  if (p.io_priority >= 0) {
    long r = sys::ioprio_set(p.io_priority);
    if (r < 0) fail(c, ChildStep::IoPriority, -1, r, "ioprio_set");
  }
  if (p.has_scheduler) {
    const SchedulerPlan& s = p.scheduler;
    sys::SchedAttr attr{};
    attr.size = sizeof attr;
    attr.sched_policy = s.policy;
    attr.sched_flags = s.flags;
    attr.sched_nice = s.nice;
    attr.sched_priority = s.priority;
    attr.sched_runtime = s.runtime;
    attr.sched_deadline = s.deadline;
    attr.sched_period = s.period;
    // The spec gives no clamp values: with a UTIL_CLAMP flag, -1 asks for the default.
    attr.sched_util_min = 0xffffffffU;
    attr.sched_util_max = 0xffffffffU;
    long r = sys::sched_setattr(&attr);
    if (r < 0) fail(c, ChildStep::Scheduler, -1, r, "sched_setattr");
  }
}

}  // namespace tsrun

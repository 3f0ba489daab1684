// Resource limits, set on the child itself before it joins any namespace (a joined user
// namespace cannot raise hard limits any more than the host could).
#include <stdint.h>

#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"

namespace tsrun {
namespace {

// Names for error details, indexed by RLIMIT_* number (constant-initialized).
constexpr const char* kRlimitNames[] = {
    "RLIMIT_CPU",      "RLIMIT_FSIZE",  "RLIMIT_DATA",    "RLIMIT_STACK",  "RLIMIT_CORE",  "RLIMIT_RSS",
    "RLIMIT_NPROC",    "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",     "RLIMIT_LOCKS", "RLIMIT_SIGPENDING",
    "RLIMIT_MSGQUEUE", "RLIMIT_NICE",   "RLIMIT_RTPRIO",  "RLIMIT_RTTIME",
};

}  // namespace

void limits_apply(const Child& c) {
  const ChildPlan& p = *c.plan;
  for (uint32_t i = 0; i < p.n_rlimits; i++) {
    const RlimitPlan& l = p.rlimits[i];
    sys::Rlimit64 v{l.soft, l.hard};
    long r = sys::prlimit64(0, l.resource, &v, nullptr);
    if (r < 0) {
      const char* name = static_cast<uint32_t>(l.resource) < sizeof kRlimitNames / sizeof kRlimitNames[0]
                             ? kRlimitNames[l.resource]
                             : "rlimit";
      fail(c, ChildStep::Rlimit, l.index, r, name);
    }
  }
}

}  // namespace tsrun

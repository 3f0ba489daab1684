// Installs the plan's seccomp filter (compiled to BPF by the runtime before clone3). The
// child never interprets the profile: one seccomp(2) call on bytes in the plan arena.
#include <stdint.h>

#include "../abi.h"
#include "child.h"
#include "sys.h"

namespace tsrun {
namespace {

constexpr unsigned kSeccompSetModeFilter = 1;  // SECCOMP_SET_MODE_FILTER

// struct sock_fprog (linux/filter.h).
struct SockFprog {
  unsigned short len;
  const void* filter;
};

}  // namespace

bool seccomp_wanted(const ChildPlan& p, bool late) {
  return p.seccomp_filter != nullptr && p.seccomp_insns > 0 && p.no_new_privileges == late;
}

long seccomp_install(const ChildPlan& p) {
  SockFprog prog{static_cast<unsigned short>(p.seccomp_insns), p.seccomp_filter};
  long r = sys::seccomp(kSeccompSetModeFilter, p.seccomp_flags, &prog);
  // An older kernel may not know a flag (LOG, SPEC_ALLOW): install without flags, as crun.
  if (r == -EINVAL && p.seccomp_flags != 0) r = sys::seccomp(kSeccompSetModeFilter, 0, &prog);
  return r < 0 ? r : 0;
}

}  // namespace tsrun

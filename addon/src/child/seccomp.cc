// Installs the plan's seccomp filter (compiled to BPF by the runtime before clone3). The
// child never interprets the profile: one seccomp(2) call on bytes in the plan arena.
// A filter with SCMP_ACT_NOTIFY comes with SECCOMP_FILTER_FLAG_NEW_LISTENER (set by the
// compiler): the kernel returns the listener, which the runtime takes with pidfd_getfd
// while the child waits, so between the install and the hand-off the child makes only
// write (the compiler refuses NOTIFY on write, as runc) and then read and close, which the
// agent already answers if it notifies them.
#include <stdint.h>

#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"

namespace tsrun {
namespace {

constexpr unsigned kSeccompSetModeFilter = 1;        // SECCOMP_SET_MODE_FILTER
constexpr unsigned kFlagNewListener = 1U << 3;       // SECCOMP_FILTER_FLAG_NEW_LISTENER
constexpr unsigned kFlagWaitKillableRecv = 1U << 5;  // SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV

// struct sock_fprog (linux/filter.h).
struct SockFprog {
  unsigned short len;
  const void* filter;
};

// The listener fd (NEW_LISTENER), 0 without one, or -errno.
long seccomp_install(const ChildPlan& p) {
  SockFprog prog{static_cast<unsigned short>(p.seccomp_insns), p.seccomp_filter};
  long r = sys::seccomp(kSeccompSetModeFilter, p.seccomp_flags, &prog);
  // An older kernel may not know a flag (LOG, SPEC_ALLOW): install without the optional
  // ones, as crun. The listener and how it waits are what the profile asks: never dropped.
  unsigned kept = p.seccomp_flags & (kFlagNewListener | kFlagWaitKillableRecv);
  if (r == -EINVAL && p.seccomp_flags != kept) r = sys::seccomp(kSeccompSetModeFilter, kept, &prog);
  if (r < 0) return r;
  return (p.seccomp_flags & kFlagNewListener) != 0 ? r : 0;
}

}  // namespace

bool seccomp_wanted(const ChildPlan& p, bool late) {
  return p.seccomp_filter != nullptr && p.seccomp_insns > 0 && p.no_new_privileges == late;
}

void seccomp_load(const Child& c) {
  long r = seccomp_install(*c.plan);
  if (r < 0) fail(c, ChildStep::Seccomp, -1, r, "install linux.seccomp filter");
  if (r == 0) return;
  // The runtime copies the fd out of this process (pidfd_getfd), then answers.
  child_send(c, SyncType::SeccompListener, r);
  child_await(c, SyncType::SeccompListenerDone);
  sys::close(static_cast<int>(r));
}

}  // namespace tsrun

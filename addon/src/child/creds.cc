// Credentials: groups, capability bounding set, uid/gid, capsets, ambient caps,
// no_new_privs, umask. Order follows the kernel's rules: drop from the bounding set while
// we still have CAP_SETPCAP; keep permitted caps across setresuid with KEEPCAPS; set the
// final sets with capset after the uid change.
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>

#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"

namespace tsrun {
namespace {

void drop_bounding(const Child& c, uint64_t keep) {
  for (unsigned cap = 0; cap <= kMaxCapBit; cap++) {
    long r = sys::prctl(PR_CAPBSET_READ, cap);
    if (r == -EINVAL) break;  // past the last capability this kernel knows
    if (r < 0) fail(c, ChildStep::Capabilities, -1, r, "read bounding set");
    if ((keep >> cap) & 1) continue;
    r = sys::prctl(PR_CAPBSET_DROP, cap);
    if (r < 0) fail(c, ChildStep::Capabilities, -1, r, "drop from bounding set");
  }
}

void set_caps(const Child& c, const CapsPlan& caps) {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  __user_cap_data_struct data[2]{};
  for (int i = 0; i < 2; i++) {
    data[i].effective = static_cast<uint32_t>(caps.effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(caps.permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(caps.inheritable >> (32 * i));
  }
  long r = sys::capset(&header, data);
  if (r < 0) fail(c, ChildStep::Capabilities, -1, r, "capset");
  r = sys::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (r < 0) fail(c, ChildStep::Capabilities, -1, r, "clear ambient set");
  for (unsigned cap = 0; cap <= kMaxCapBit; cap++) {
    if (((caps.ambient >> cap) & 1) == 0) continue;
    r = sys::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
    if (r < 0) fail(c, ChildStep::Capabilities, -1, r, "raise ambient capability");
  }
}

}  // namespace

// Runs after the filter when there is no no_new_privs: only calls of after_filter.h.
void creds_apply(const Child& c) {
  const ChildPlan& p = *c.plan;
  // Always set, even to none: the container must not keep the runtime's groups. Where
  // the user namespace denies setgroups the kernel already dropped them, and runc skips
  // the call unless groups were asked for.
  long r = 0;
  if (!c.setgroups_denied || p.n_additional_gids > 0) r = sys::setgroups(p.n_additional_gids, p.additional_gids);
  if (r < 0) fail(c, ChildStep::Groups, -1, r, "setgroups");

  if (p.has_capabilities) {
    drop_bounding(c, p.capabilities.bounding);
    r = sys::prctl(PR_SET_KEEPCAPS, 1);
    if (r < 0) fail(c, ChildStep::Capabilities, -1, r, "PR_SET_KEEPCAPS");
  }
  r = sys::setresgid(p.gid, p.gid, p.gid);
  if (r < 0) fail(c, ChildStep::SetGid, -1, r, "setresgid");
  r = sys::setresuid(p.uid, p.uid, p.uid);
  if (r < 0) fail(c, ChildStep::SetUid, -1, r, "setresuid");
  if (p.has_capabilities) {
    r = sys::prctl(PR_SET_KEEPCAPS, 0);
    if (r < 0) fail(c, ChildStep::Capabilities, -1, r, "PR_SET_KEEPCAPS");
    set_caps(c, p.capabilities);
  }

  // A credential change clears PDEATHSIG and resets dumpable: set both again.
  child_guard_parent(c, c.ppid_may_be_zero);
  child_non_dumpable(c);

  if (p.no_new_privileges) {
    r = sys::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (r < 0) fail(c, ChildStep::NoNewPrivileges, -1, r, "PR_SET_NO_NEW_PRIVS");
  }
}

}  // namespace tsrun

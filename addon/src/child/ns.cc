// Namespaces: join by fd, create (user first, so the others are owned by it), fork the
// init when a pid or time namespace only applies to children; and the per-namespace
// settings done after pivot_root (hostname, domainname, sysctls).
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/vfs.h>

#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"
#include "text.h"

namespace tsrun {
namespace {

constexpr long kProcSuperMagic = 0x9fa0;

const char* ns_name(int type) {
  switch (type) {
    case CLONE_NEWUSER:
      return "user";
    case CLONE_NEWNS:
      return "mnt";
    case CLONE_NEWUTS:
      return "uts";
    case CLONE_NEWIPC:
      return "ipc";
    case CLONE_NEWNET:
      return "net";
    case CLONE_NEWPID:
      return "pid";
    case CLONE_NEWCGROUP:
      return "cgroup";
    case CLONE_NEWTIME:
      return "time";
    default:
      return "namespace";
  }
}

// Root of the user namespace we are now in; the maps decide what 0 means.
void become_root(const Child& c, ChildStep step, int index) {
  long r = sys::setresgid(0, 0, 0);
  if (r < 0) fail(c, step, index, r, "setresgid 0");
  r = sys::setresuid(0, 0, 0);
  if (r < 0) fail(c, step, index, r, "setresuid 0");
  child_non_dumpable(c);
}

}  // namespace

void ns_join_all(Child& c) {
  const ChildPlan& p = *c.plan;
  for (uint32_t i = 0; i < p.n_joins; i++) {
    const NsJoin& j = p.joins[i];
    long r = sys::setns(j.fd, j.type);
    if (r < 0) fail(c, ChildStep::JoinNamespace, j.index, r, ns_name(j.type));
    sys::close(j.fd);  // done with it: no namespace fd reaches the container
    // Files we create must belong to a mapped id: act as the joined namespace's root.
    if (j.type != CLONE_NEWUSER) continue;
    become_root(c, ChildStep::JoinNamespace, j.index);
    ns_read_setgroups(c);
  }
}

void ns_unshare_user(const Child& c) {
  const ChildPlan& p = *c.plan;
  if ((p.new_namespaces & CLONE_NEWUSER) == 0) return;
  long r = sys::unshare(CLONE_NEWUSER);
  if (r < 0) fail(c, ChildStep::UnshareUser, -1, r, "user");
  if (!p.has_user_mappings) return;
  child_send(c, SyncType::NeedIdMaps, sys::getpid());
  child_await(c, SyncType::IdMapsDone);
  become_root(c, ChildStep::IdMaps, -1);
}

void ns_unshare_rest(const Child& c) {
  unsigned long flags = c.plan->new_namespaces & ~static_cast<uint64_t>(CLONE_NEWUSER);
  if (flags == 0) return;
  long r = sys::unshare(flags);
  if (r < 0) fail(c, ChildStep::UnshareNamespaces, -1, r, "unshare");
}

// unshare(CLONE_NEWTIME) made a namespace for our children only: its offsets can be set
// until the init is forked into it (then the kernel freezes them). The parent writes
// them, as runc's does: /proc/PID of this non-dumpable process belongs to the host's
// root, which a container root in a new user namespace is not.
void ns_await_time_offsets(const Child& c) {
  if (!c.plan->has_time_offsets) return;
  child_send(c, SyncType::NeedTimeOffsets, sys::getpid());
  child_await(c, SyncType::TimeOffsetsDone);
}

// A new network namespace starts with lo down. runc adds a "loopback" network for a netns
// it creates and brings lo up, so a container with no other interface (podman --network
// none) still reaches 127.0.0.1; a joined netns is left as it is.
void ns_loopback_up(const Child& c) {
  if ((c.plan->new_namespaces & CLONE_NEWNET) == 0) return;
  long s = sys::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) fail(c, ChildStep::Loopback, -1, s, "socket");
  struct ifreq ifr {};
  ifr.ifr_name[0] = 'l';
  ifr.ifr_name[1] = 'o';
  long r = sys::ioctl(static_cast<int>(s), SIOCGIFFLAGS, reinterpret_cast<long>(&ifr));
  if (r < 0) fail(c, ChildStep::Loopback, -1, r, "SIOCGIFFLAGS lo");
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  r = sys::ioctl(static_cast<int>(s), SIOCSIFFLAGS, reinterpret_cast<long>(&ifr));
  if (r < 0) fail(c, ChildStep::Loopback, -1, r, "SIOCSIFFLAGS lo");
  sys::close(static_cast<int>(s));
}

bool ns_needs_fork(const ChildPlan& p) {
  constexpr uint64_t kChildOnly = CLONE_NEWPID | CLONE_NEWTIME;
  if ((p.new_namespaces & kChildOnly) != 0) return true;
  for (uint32_t i = 0; i < p.n_joins; i++)
    if ((static_cast<uint64_t>(p.joins[i].type) & kChildOnly) != 0) return true;
  return false;
}

// A new pid/time namespace applies to children only: fork the container's init. With
// CLONE_PARENT it becomes the runtime's child (clone3 refuses an exit_signal with
// CLONE_PARENT; the init inherits ours, SIGCHLD). The intermediate reports its pid (as
// the host sees it) and exits; the runtime reaps it and follows the init. The init
// waits on a pipe until Pid is on the socket, so no message of its own can overtake it.
void ns_fork_init(const Child& c) {
  int gate[2];
  long r = sys::pipe2(gate, O_CLOEXEC);
  if (r < 0) fail(c, ChildStep::ForkInit, -1, r, "pipe2");
  sys::CloneArgs args{};
  args.flags = CLONE_PARENT;
  long pid = sys::clone3(&args);
  if (pid < 0) fail(c, ChildStep::ForkInit, -1, pid, "clone3");
  if (pid == 0) {
    sys::close(gate[1]);
    char byte = 0;
    // EOF without the byte: the intermediate died before reporting us; nobody knows
    // our pid, so stop here.
    if (sys::read(gate[0], &byte, 1) != 1) sys::exit_group(1);
    sys::close(gate[0]);
    return;
  }
  sys::close(gate[0]);
  child_send(c, SyncType::Pid, pid);
  sys::write(gate[1], "1", 1);
  sys::exit_group(0);
}

void ns_read_setgroups(Child& c) {
  const ChildPlan& p = *c.plan;
  bool userns = (p.new_namespaces & CLONE_NEWUSER) != 0;
  for (uint32_t i = 0; i < p.n_joins; i++) userns = userns || p.joins[i].type == CLONE_NEWUSER;
  if (!userns) return;
  // Still the host's /proc (before pivot_root): "allow\n" or "deny\n".
  long fd = sys::openat(AT_FDCWD, "/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[8] = {};
  long n = sys::read(static_cast<int>(fd), buf, sizeof buf - 1);
  sys::close(static_cast<int>(fd));
  c.setgroups_denied = n >= 4 && buf[0] == 'd' && buf[1] == 'e' && buf[2] == 'n' && buf[3] == 'y';
}

void ns_set_names(const Child& c) {
  const ChildPlan& p = *c.plan;
  if (p.hostname != nullptr) {
    long r = sys::sethostname(p.hostname, text::length(p.hostname));
    if (r < 0) fail(c, ChildStep::Hostname, -1, r, p.hostname);
  }
  if (p.domainname != nullptr) {
    long r = sys::setdomainname(p.domainname, text::length(p.domainname));
    if (r < 0) fail(c, ChildStep::Domainname, -1, r, p.domainname);
  }
}

// Sysctls are written only through a verified procfs and without following any link
// below /proc/sys (CVE-2025-52881 class): a container-made /proc cannot redirect them.
void ns_write_sysctls(const Child& c) {
  const ChildPlan& p = *c.plan;
  if (p.n_sysctls == 0) return;
  sys::OpenHow how{};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how.resolve = sys::kResolveInRoot | sys::kResolveNoSymlinks | sys::kResolveNoMagiclinks;
  long dir = sys::openat2(c.root_fd, "/proc/sys", &how);
  if (dir < 0) fail(c, ChildStep::Sysctl, -1, dir, "/proc/sys");
  struct statfs sfs {};
  long r = sys::fstatfs(static_cast<int>(dir), &sfs);
  if (r < 0) fail(c, ChildStep::Sysctl, -1, r, "/proc/sys");
  if (sfs.f_type != kProcSuperMagic) fail(c, ChildStep::Sysctl, -1, EXDEV, "/proc/sys is not procfs");
  for (uint32_t i = 0; i < p.n_sysctls; i++) {
    const SysctlPlan& s = p.sysctls[i];
    // No crossing of mounts either: an overmount under /proc/sys cannot take the write.
    sys::OpenHow wh{};
    wh.flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW;
    wh.resolve = sys::kResolveBeneath | sys::kResolveNoSymlinks | sys::kResolveNoMagiclinks | sys::kResolveNoXdev;
    long fd = sys::openat2(static_cast<int>(dir), s.path, &wh);
    if (fd < 0) fail(c, ChildStep::Sysctl, -1, fd, s.key);
    struct statfs fsfs {};
    r = sys::fstatfs(static_cast<int>(fd), &fsfs);
    if (r < 0) fail(c, ChildStep::Sysctl, -1, r, s.key);
    if (fsfs.f_type != kProcSuperMagic) fail(c, ChildStep::Sysctl, -1, EXDEV, s.key);
    size_t len = text::length(s.value);
    long w = sys::write(static_cast<int>(fd), s.value, len);
    if (w < 0) fail(c, ChildStep::Sysctl, -1, w, s.key);
    if (static_cast<size_t>(w) != len) fail(c, ChildStep::Sysctl, -1, EIO, s.key);
    sys::close(static_cast<int>(fd));
  }
  sys::close(static_cast<int>(dir));
}

}  // namespace tsrun

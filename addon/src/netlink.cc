// linux.netDevices through rtnetlink on the runtime's own socket (its network namespace is
// the host's): the permanent global addresses of an interface (RTM_GETADDR dump), and one
// RTM_NEWLINK that moves it into a namespace fd, renames it and sets it up (the kernel
// moves, renames, then changes the flags). Parent side only.
#include "netlink.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "napi_args.h"

namespace tsrun {
namespace {

// A netlink socket closed at scope end.
struct NlSocket {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  ~NlSocket() {
    if (fd >= 0) close(fd);
  }
};

void add_attr(nlmsghdr* h, size_t cap, uint16_t type, const void* data, size_t len) {
  size_t at = NLMSG_ALIGN(h->nlmsg_len);
  rtattr* a = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(h) + at);
  if (at + RTA_SPACE(len) > cap) return;  // callers size buffers for their attributes
  a->rta_type = type;
  a->rta_len = static_cast<uint16_t>(RTA_LENGTH(len));
  memcpy(RTA_DATA(a), data, len);
  h->nlmsg_len = static_cast<uint32_t>(at + RTA_SPACE(len));
}

long send_request(int fd, nlmsghdr* h) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, h, h->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) return -errno;
  return 0;
}

// The ack of a request: 0 or -errno.
long read_ack(int fd) {
  alignas(nlmsghdr) char buf[8192];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    for (nlmsghdr* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, static_cast<unsigned>(n)); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_ERROR) return static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
    }
  }
}

// Permanent addresses of global scope on interface `index`, any family: those the spec
// wants carried into the container (and the kernel drops on a move).
long count_global_addresses(int fd, int index) {
  struct {
    nlmsghdr h;
    ifaddrmsg a;
  } req{};
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof(ifaddrmsg));
  req.h.nlmsg_type = RTM_GETADDR;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.a.ifa_family = AF_UNSPEC;
  long r = send_request(fd, &req.h);
  if (r < 0) return r;
  long count = 0;
  alignas(nlmsghdr) char buf[16384];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    for (nlmsghdr* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, static_cast<unsigned>(n)); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) return count;
      if (h->nlmsg_type == NLMSG_ERROR) return static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
      if (h->nlmsg_type != RTM_NEWADDR) continue;
      const ifaddrmsg* a = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
      if (static_cast<int>(a->ifa_index) != index || a->ifa_scope != RT_SCOPE_UNIVERSE) continue;
      uint32_t flags = a->ifa_flags;
      int len = static_cast<int>(IFA_PAYLOAD(h));
      for (const rtattr* at = IFA_RTA(a); RTA_OK(at, len); at = RTA_NEXT(at, len))
        if (at->rta_type == IFA_FLAGS) memcpy(&flags, RTA_DATA(at), sizeof flags);
      if (flags & IFA_F_PERMANENT) count++;
    }
  }
}

// linkGlobalAddresses(name): the count of permanent global addresses; -1 when there is no
// such interface.
Napi::Value LinkGlobalAddresses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  if (!arg_path(info, 0, "linkGlobalAddresses", "name", &name)) return env.Undefined();
  unsigned index = if_nametoindex(name.c_str());
  if (index == 0) return Napi::Number::New(env, -1);
  NlSocket s;
  if (s.fd < 0) return throw_syscall(env, "socket", errno, "rtnetlink");
  long r = count_global_addresses(s.fd, static_cast<int>(index));
  if (r < 0) return throw_syscall(env, "RTM_GETADDR", static_cast<int>(-r), name);
  return Napi::Number::New(env, static_cast<double>(r));
}

// moveLink(name, nsFd, newName): into the namespace, renamed, up.
Napi::Value MoveLink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name, new_name;
  int ns_fd = -1;
  if (!arg_path(info, 0, "moveLink", "name", &name) || !arg_fd(info, 1, "moveLink", "nsFd", &ns_fd) ||
      !arg_path(info, 2, "moveLink", "newName", &new_name))
    return env.Undefined();
  if (new_name.size() >= IFNAMSIZ) return throw_syscall(env, "RTM_NEWLINK", ENAMETOOLONG, new_name);
  unsigned index = if_nametoindex(name.c_str());
  if (index == 0) return throw_syscall(env, "if_nametoindex", errno, name);
  struct {
    nlmsghdr h;
    ifinfomsg i;
    char attrs[64];
  } req{};
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
  req.h.nlmsg_type = RTM_NEWLINK;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  req.i.ifi_family = AF_UNSPEC;
  req.i.ifi_index = static_cast<int>(index);
  req.i.ifi_flags = IFF_UP;
  req.i.ifi_change = IFF_UP;
  uint32_t fd = static_cast<uint32_t>(ns_fd);
  add_attr(&req.h, sizeof req, IFLA_NET_NS_FD, &fd, sizeof fd);
  add_attr(&req.h, sizeof req, IFLA_IFNAME, new_name.c_str(), new_name.size() + 1);
  NlSocket s;
  if (s.fd < 0) return throw_syscall(env, "socket", errno, "rtnetlink");
  long r = send_request(s.fd, &req.h);
  if (r == 0) r = read_ack(s.fd);
  if (r < 0) return throw_syscall(env, "RTM_NEWLINK", static_cast<int>(-r), name);
  return env.Undefined();
}

}  // namespace

void register_netlink(Napi::Env env, Napi::Object exports) {
  exports.Set("linkGlobalAddresses", Napi::Function::New(env, LinkGlobalAddresses, "linkGlobalAddresses"));
  exports.Set("moveLink", Napi::Function::New(env, MoveLink, "moveLink"));
}

}  // namespace tsrun

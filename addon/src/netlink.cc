// linux.netDevices through rtnetlink. On the runtime's own socket (its network namespace
// is the host's): an interface's index, its permanent global addresses (RTM_GETADDR dump),
// and one RTM_NEWLINK that moves it into a namespace fd and renames it (the kernel takes
// it down and drops its addresses on the way). Then, inside that namespace
// (link_setup_in_netns.cc): the addresses again, and up. Parent side only.
#include "netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <net/if.h>

#include <string>
#include <vector>

#include "link_setup_in_netns.h"
#include "napi_args.h"
#include "rtnetlink.h"

namespace tsrun {
namespace {

bool copy_attr(const rtattr* at, uint8_t* out, size_t len) {
  if (RTA_PAYLOAD(at) != len) return false;
  memcpy(out, RTA_DATA(at), len);
  return true;
}

// The permanent addresses of global scope on interface `index`, any family: those
// runtime-spec wants kept (the kernel drops all on a move). 0 or -errno.
long global_addresses(int fd, int index, std::vector<LinkAddress>* out) {
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
  return each_reply(fd, [&](const nlmsghdr* h) -> long {
    if (h->nlmsg_type != RTM_NEWADDR) return 1;
    const ifaddrmsg* a = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
    if (static_cast<int>(a->ifa_index) != index || a->ifa_scope != RT_SCOPE_UNIVERSE) return 1;
    if (a->ifa_family != AF_INET && a->ifa_family != AF_INET6) return 1;
    size_t len = a->ifa_family == AF_INET ? 4 : 16;
    LinkAddress addr;
    addr.family = a->ifa_family;
    addr.prefix_length = a->ifa_prefixlen;
    uint32_t flags = a->ifa_flags;
    int left = static_cast<int>(IFA_PAYLOAD(h));
    for (const rtattr* at = IFA_RTA(a); RTA_OK(at, left); at = RTA_NEXT(at, left)) {
      if (at->rta_type == IFA_FLAGS && RTA_PAYLOAD(at) == sizeof flags) memcpy(&flags, RTA_DATA(at), sizeof flags);
      if (at->rta_type == IFA_LOCAL) addr.has_local = copy_attr(at, addr.local, len);
      if (at->rta_type == IFA_ADDRESS) addr.has_address = copy_attr(at, addr.address, len);
      if (at->rta_type == IFA_BROADCAST && len == 4) addr.has_broadcast = copy_attr(at, addr.broadcast, 4);
    }
    if ((flags & IFA_F_PERMANENT) && (addr.has_local || addr.has_address)) out->push_back(addr);
    return 1;
  });
}

// "192.0.2.7/24": the interface's own end of the address, as `ip addr` shows it.
std::string address_text(const LinkAddress& a) {
  char text[INET6_ADDRSTRLEN] = "?";
  inet_ntop(a.family, a.has_local ? a.local : a.address, text, sizeof text);
  return std::string(text) + "/" + std::to_string(a.prefix_length);
}

Napi::Buffer<uint8_t> bytes(Napi::Env env, const uint8_t* data, size_t len) {
  return Napi::Buffer<uint8_t>::Copy(env, data, len);
}

bool read_bytes(Napi::Object o, const char* key, uint8_t* out, size_t len, bool* has) {
  Napi::Value v = o.Get(key);
  *has = false;
  if (v.IsUndefined()) return true;
  if (!v.IsBuffer() || v.As<Napi::Buffer<uint8_t>>().Length() != len) return false;
  memcpy(out, v.As<Napi::Buffer<uint8_t>>().Data(), len);
  *has = true;
  return true;
}

// linkIndex(name): the runtime's interface's index, 0 when there is none.
Napi::Value LinkIndex(const Napi::CallbackInfo& info) {
  std::string name;
  if (!arg_path(info, 0, "linkIndex", "name", &name)) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), if_nametoindex(name.c_str()));
}

// linkAddresses(name): [{family, prefixLength, text, local?, address?, broadcast?}].
Napi::Value LinkAddresses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  if (!arg_path(info, 0, "linkAddresses", "name", &name)) return env.Undefined();
  unsigned index = if_nametoindex(name.c_str());
  if (index == 0) return throw_syscall(env, "if_nametoindex", errno, name);
  NlSocket s;
  if (s.fd < 0) return throw_syscall(env, "socket", errno, "rtnetlink");
  std::vector<LinkAddress> found;
  long r = global_addresses(s.fd, static_cast<int>(index), &found);
  if (r < 0) return throw_syscall(env, "RTM_GETADDR", static_cast<int>(-r), name);
  Napi::Array out = Napi::Array::New(env, found.size());
  for (size_t i = 0; i < found.size(); i++) {
    const LinkAddress& a = found[i];
    size_t len = a.family == AF_INET ? 4 : 16;
    Napi::Object o = Napi::Object::New(env);
    o.Set("family", a.family == AF_INET ? 4 : 6);
    o.Set("prefixLength", a.prefix_length);
    o.Set("text", address_text(a));
    if (a.has_local) o.Set("local", bytes(env, a.local, len));
    if (a.has_address) o.Set("address", bytes(env, a.address, len));
    if (a.has_broadcast) o.Set("broadcast", bytes(env, a.broadcast, 4));
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

// moveLink(name, nsFd, newName): into the namespace, renamed; its index before the move.
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
  uint32_t fd = static_cast<uint32_t>(ns_fd);
  add_attr(&req.h, sizeof req, IFLA_NET_NS_FD, &fd, sizeof fd);
  add_attr(&req.h, sizeof req, IFLA_IFNAME, new_name.c_str(), new_name.size() + 1);
  NlSocket s;
  if (s.fd < 0) return throw_syscall(env, "socket", errno, "rtnetlink");
  long r = request_with_ack(s.fd, &req.h);
  if (r < 0) return throw_syscall(env, "RTM_NEWLINK", static_cast<int>(-r), name);
  return Napi::Number::New(env, index);
}

// setUpMovedLink(nsFd, indexBefore, name, addresses): inside the namespace, the addresses
// added and the link up. A failure names its step and what it acted on.
Napi::Value SetUpMovedLink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LinkSetup setup;
  int64_t index = 0;
  if (!arg_fd(info, 0, "setUpMovedLink", "nsFd", &setup.ns_fd) ||
      !arg_int(info, 1, "setUpMovedLink", "indexBefore", 1, INT32_MAX, &index) ||
      !arg_path(info, 2, "setUpMovedLink", "name", &setup.name))
    return env.Undefined();
  setup.index_before = static_cast<int>(index);
  if (!info[3].IsArray()) return throw_type(env, "setUpMovedLink: addresses must be an array");
  Napi::Array list = info[3].As<Napi::Array>();
  std::vector<std::string> texts;
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    if (!v.IsObject()) return throw_type(env, "setUpMovedLink: each address must be an object");
    Napi::Object o = v.As<Napi::Object>();
    LinkAddress a;
    int family = o.Get("family").ToNumber().Int32Value();
    a.family = family == 4 ? AF_INET : AF_INET6;
    a.prefix_length = static_cast<uint8_t>(o.Get("prefixLength").ToNumber().Uint32Value());
    size_t len = family == 4 ? 4 : 16;
    if ((family != 4 && family != 6) || !read_bytes(o, "local", a.local, len, &a.has_local) ||
        !read_bytes(o, "address", a.address, len, &a.has_address) ||
        !read_bytes(o, "broadcast", a.broadcast, 4, &a.has_broadcast))
      return throw_type(env, "setUpMovedLink: an address is not one linkAddresses gave");
    setup.addresses.push_back(a);
    texts.push_back(address_text(a));
  }
  LinkSetupFailure f = set_up_link_in_netns(setup);
  if (f.error == 0) return env.Undefined();
  if (f.step == std::string("RTM_NEWADDR")) return throw_syscall(env, f.step, f.error, texts[f.address]);
  return throw_syscall(env, f.step, f.error, setup.name);
}

}  // namespace

void register_netlink(Napi::Env env, Napi::Object exports) {
  exports.Set("linkIndex", Napi::Function::New(env, LinkIndex, "linkIndex"));
  exports.Set("linkAddresses", Napi::Function::New(env, LinkAddresses, "linkAddresses"));
  exports.Set("moveLink", Napi::Function::New(env, MoveLink, "moveLink"));
  exports.Set("setUpMovedLink", Napi::Function::New(env, SetUpMovedLink, "setUpMovedLink"));
}

}  // namespace tsrun

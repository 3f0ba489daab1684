// See link_setup_in_netns.h. The thread: setns(CLONE_NEWNET) on itself, a NETLINK_ROUTE
// socket opened there (a socket belongs to the namespace it was made in), the link found
// again (by name; a "%d" name by its index, which a move keeps unless it is taken), one
// RTM_NEWADDR per address, then IFF_UP (after the addresses, as runc does). It ends
// without going back: the thread and its namespace go together.
#include "link_setup_in_netns.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>

#include "rtnetlink.h"

namespace tsrun {
namespace {

// Whether `name` is what the kernel makes of `tmpl` ("net%d" -> "net0", "net12").
bool matches_template(const std::string& name, const std::string& tmpl) {
  size_t at = tmpl.find("%d");
  std::string head = tmpl.substr(0, at), tail = tmpl.substr(at + 2);
  if (name.size() <= head.size() + tail.size() || name.compare(0, head.size(), head) != 0 ||
      name.compare(name.size() - tail.size(), tail.size(), tail) != 0)
    return false;
  for (size_t i = head.size(); i < name.size() - tail.size(); i++)
    if (name[i] < '0' || name[i] > '9') return false;
  return true;
}

// RTM_GETLINK for one link, by name (index 0) or by index: its index and name, or -errno.
long get_link(int fd, int index, const std::string& name, int* found_index, std::string* found_name) {
  struct {
    nlmsghdr h;
    ifinfomsg i;
    char attrs[32];
  } req{};
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
  req.h.nlmsg_type = RTM_GETLINK;
  req.h.nlmsg_flags = NLM_F_REQUEST;
  req.i.ifi_family = AF_UNSPEC;
  req.i.ifi_index = index;
  if (index == 0 && !add_attr(&req.h, sizeof req, IFLA_IFNAME, name.c_str(), name.size() + 1)) return -ENAMETOOLONG;
  long r = send_request(fd, &req.h);
  if (r < 0) return r;
  return each_reply(fd, [&](const nlmsghdr* h) -> long {
    if (h->nlmsg_type != RTM_NEWLINK) return 1;
    const ifinfomsg* i = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
    *found_index = i->ifi_index;
    int len = static_cast<int>(IFLA_PAYLOAD(h));
    for (const rtattr* at = IFLA_RTA(i); RTA_OK(at, len); at = RTA_NEXT(at, len))
      if (at->rta_type == IFLA_IFNAME)
        found_name->assign(static_cast<const char*>(RTA_DATA(at)),
                           strnlen(static_cast<const char*>(RTA_DATA(at)), RTA_PAYLOAD(at)));
    return 0;
  });
}

long add_address(int fd, int index, const LinkAddress& a) {
  struct {
    nlmsghdr h;
    ifaddrmsg a;
    char attrs[96];
  } req{};
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof(ifaddrmsg));
  req.h.nlmsg_type = RTM_NEWADDR;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  req.a.ifa_family = a.family;
  req.a.ifa_prefixlen = a.prefix_length;
  req.a.ifa_scope = RT_SCOPE_UNIVERSE;
  req.a.ifa_index = static_cast<uint32_t>(index);
  size_t len = a.family == AF_INET ? 4 : 16;
  if (a.has_local) add_attr(&req.h, sizeof req, IFA_LOCAL, a.local, len);
  if (a.has_address) add_attr(&req.h, sizeof req, IFA_ADDRESS, a.address, len);
  if (a.has_broadcast) add_attr(&req.h, sizeof req, IFA_BROADCAST, a.broadcast, 4);
  return request_with_ack(fd, &req.h);
}

long set_up(int fd, int index) {
  struct {
    nlmsghdr h;
    ifinfomsg i;
  } req{};
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
  req.h.nlmsg_type = RTM_NEWLINK;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  req.i.ifi_family = AF_UNSPEC;
  req.i.ifi_index = index;
  req.i.ifi_flags = IFF_UP;
  req.i.ifi_change = IFF_UP;
  return request_with_ack(fd, &req.h);
}

struct Job {
  const LinkSetup* setup;
  LinkSetupFailure failure;
};

LinkSetupFailure fail(const char* step, long r, size_t address = 0) {
  LinkSetupFailure f;
  f.step = step;
  f.error = static_cast<int>(r < 0 ? -r : r);
  f.address = address;
  return f;
}

LinkSetupFailure work(const LinkSetup& s) {
  if (setns(s.ns_fd, CLONE_NEWNET) != 0) return fail("setns", errno);
  NlSocket sock;
  if (sock.fd < 0) return fail("socket", errno);
  bool tmpl = s.name.find("%d") != std::string::npos;
  int index = 0;
  std::string found;
  long r = get_link(sock.fd, tmpl ? s.index_before : 0, s.name, &index, &found);
  if (r == 0 && tmpl && !matches_template(found, s.name)) r = -ENODEV;  // its index was taken there
  if (r < 0) return fail("find", r);
  for (size_t i = 0; i < s.addresses.size(); i++) {
    r = add_address(sock.fd, index, s.addresses[i]);
    if (r < 0) return fail("RTM_NEWADDR", r, i);
  }
  r = set_up(sock.fd, index);
  if (r < 0) return fail("RTM_NEWLINK", r);
  return LinkSetupFailure{};
}

void* thread_main(void* arg) {
  Job* job = static_cast<Job*>(arg);
  job->failure = work(*job->setup);
  return nullptr;
}

}  // namespace

LinkSetupFailure set_up_link_in_netns(const LinkSetup& setup) {
  Job job{&setup, {}};
  pthread_t thread;
  int err = pthread_create(&thread, nullptr, thread_main, &job);
  if (err != 0) return fail("pthread_create", err);
  pthread_join(thread, nullptr);
  return job.failure;
}

}  // namespace tsrun

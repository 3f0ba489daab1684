// See rtnetlink.h. Out of line: inlined into callers, GCC's object-size check takes the
// attribute write past the nlmsghdr for an overflow.
#include "rtnetlink.h"

namespace tsrun {

bool add_attr(nlmsghdr* h, size_t cap, uint16_t type, const void* data, size_t len) {
  size_t at = NLMSG_ALIGN(h->nlmsg_len);
  if (at + RTA_SPACE(len) > cap) return false;
  rtattr* a = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(h) + at);
  a->rta_type = type;
  a->rta_len = static_cast<uint16_t>(RTA_LENGTH(len));
  memcpy(RTA_DATA(a), data, len);
  h->nlmsg_len = static_cast<uint32_t>(at + RTA_SPACE(len));
  return true;
}

long send_request(int fd, nlmsghdr* h) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, h, h->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) return -errno;
  return 0;
}

long request_with_ack(int fd, nlmsghdr* h) {
  long r = send_request(fd, h);
  // The ack is an NLMSG_ERROR (0: done); nothing else is expected before it.
  return r < 0 ? r : each_reply(fd, [](const nlmsghdr*) { return 1L; });
}

}  // namespace tsrun

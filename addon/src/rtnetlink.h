// Small rtnetlink helpers shared by the runtime's netlink requests (netlink.cc on the
// host's socket, link_setup_in_netns.cc on a socket opened inside the container's network
// namespace). Parent side only: never run in the child.
#pragma once

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

namespace tsrun {

// A NETLINK_ROUTE socket of the calling thread's network namespace, closed at scope end.
struct NlSocket {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  NlSocket() = default;
  NlSocket(const NlSocket&) = delete;
  NlSocket& operator=(const NlSocket&) = delete;
  ~NlSocket() {
    if (fd >= 0) close(fd);
  }
};

// Appends one attribute; false when `cap` (the request's size) has no room for it.
bool add_attr(nlmsghdr* h, size_t cap, uint16_t type, const void* data, size_t len);
// Sends a request to the kernel: 0 or -errno.
long send_request(int fd, nlmsghdr* h);
// Reads the kernel's replies to a request, handing each message but NLMSG_DONE and
// NLMSG_ERROR to `on`, which returns 1 to read on, else its result (0 or -errno).
// NLMSG_DONE ends with 0; NLMSG_ERROR with its error (0: an ack).
template <typename OnMessage>
long each_reply(int fd, OnMessage on) {
  alignas(nlmsghdr) char buf[16384];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    for (nlmsghdr* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, static_cast<unsigned>(n)); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) return 0;
      if (h->nlmsg_type == NLMSG_ERROR) return static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
      long r = on(h);
      if (r != 1) return r;
    }
  }
}

// Sends a request and reads its ack: 0 or -errno.
long request_with_ack(int fd, nlmsghdr* h);

}  // namespace tsrun

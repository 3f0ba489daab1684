// The second half of moving an interface (linux.netDevices): inside the container's
// network namespace, its addresses added back (the kernel drops them on a move), then the
// link set up. Runs on a short-lived runtime thread that setns()es into that namespace
// alone (a network namespace may be joined by one thread of a multi-threaded process);
// the caller's thread never changes namespace. Parent side only: never run in the child.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

namespace tsrun {

// One address as RTM_GETADDR gave it: the attributes RTM_NEWADDR needs to add it again.
struct LinkAddress {
  uint8_t family = 0;  // AF_INET or AF_INET6
  uint8_t prefix_length = 0;
  uint8_t local[16] = {};     // IFA_LOCAL (IPv4; a point-to-point IPv6 address's own end)
  uint8_t address[16] = {};   // IFA_ADDRESS (the peer on a point-to-point link)
  uint8_t broadcast[4] = {};  // IFA_BROADCAST (IPv4 only)
  bool has_local = false, has_address = false, has_broadcast = false;
};

struct LinkSetup {
  int ns_fd = -1;        // the container's network namespace
  int index_before = 0;  // the interface's index on the host: kept by a move unless taken
  std::string name;      // its name in the container, maybe a "%d" template
  std::vector<LinkAddress> addresses;
};

// What failed: `step` is "setns", "socket", "find", "RTM_NEWADDR" (then `address` is the
// index of the address) or "RTM_NEWLINK"; errno 0 for success.
struct LinkSetupFailure {
  const char* step = nullptr;
  int error = 0;
  size_t address = 0;
};

// Blocks the caller until the thread has done the work and ended.
LinkSetupFailure set_up_link_in_netns(const LinkSetup& setup);

}  // namespace tsrun

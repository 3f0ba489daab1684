// The runtime process's rtnetlink requests (netlink.cc, link_setup_in_netns.cc), for
// linux.netDevices. Parent side only: never run in the child.
#pragma once

#include <napi.h>

namespace tsrun {

void register_netlink(Napi::Env env, Napi::Object exports);

}  // namespace tsrun

// The runtime process's side of a container terminal that `run` proxies itself: the
// socket pair the child sends the pty master over, receiving it, the window size and
// output flags of the pty.
#pragma once

#include <napi.h>

namespace tsrun {

void register_terminal(Napi::Env env, Napi::Object exports);

}  // namespace tsrun

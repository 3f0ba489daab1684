// The runtime process's calls on files and mounts (files.cc): mkfifo, open, reading a
// file of the image inside its root, the console socket, detached copies of bind sources,
// flock for the container's lock.
#pragma once

#include <napi.h>

namespace tsrun {

void register_files(Napi::Env env, Napi::Object exports);

}  // namespace tsrun

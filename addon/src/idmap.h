// The user namespace an idmapped mount is mapped through (runtime side, before the clone).
#pragma once

#include <string>

namespace tsrun {

// A user namespace with these uid_map/gid_map texts ("inside outside count" lines): an fd
// on it (O_RDONLY, CLOEXEC), or -errno with *op naming the step that failed.
long idmap_userns(const std::string& uid_map, const std::string& gid_map, const char** op);

}  // namespace tsrun

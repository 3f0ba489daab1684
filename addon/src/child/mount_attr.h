// MS_* flags -> a mount_setattr change, shared by the child and the runtime's side of
// the addon (the detached copies it makes for user namespaces). Header-only and
// async-signal-safe.
#pragma once

#include <stdint.h>
#include <sys/mount.h>

#include "sys.h"

namespace tsrun {

// MS_NOSYMFOLLOW (Linux 5.10), which older libc headers lack.
constexpr uint64_t kMsNosymfollow = 0x100;

// MS_* per-mount flags as a mount_setattr change: what is set is set, the atime mode is
// replaced as a whole, nothing else is touched (so flags the kernel locked in a user
// namespace need not be restated).
inline sys::MountAttr attr_from_flags(uint64_t flags) {
  sys::MountAttr a{};
  if (flags & MS_RDONLY) a.attr_set |= sys::kMountAttrRdonly;
  if (flags & MS_NOSUID) a.attr_set |= sys::kMountAttrNosuid;
  if (flags & MS_NODEV) a.attr_set |= sys::kMountAttrNodev;
  if (flags & MS_NOEXEC) a.attr_set |= sys::kMountAttrNoexec;
  if (flags & MS_NODIRATIME) a.attr_set |= sys::kMountAttrNodiratime;
  if (flags & kMsNosymfollow) a.attr_set |= sys::kMountAttrNosymfollow;
  if (flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) {
    a.attr_clr |= sys::kMountAttrAtimeMask;
    a.attr_set |= (flags & MS_NOATIME)       ? sys::kMountAttrNoatime
                  : (flags & MS_STRICTATIME) ? sys::kMountAttrStrictatime
                                             : sys::kMountAttrRelatime;
  }
  return a;
}

}  // namespace tsrun

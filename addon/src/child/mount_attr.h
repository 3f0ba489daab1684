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

// Each per-mount MS_* flag (not the atime mode) and its MOUNT_ATTR_* twin.
struct PerMountFlag {
  uint64_t ms;
  uint64_t attr;
};
inline constexpr PerMountFlag kPerMountFlags[] = {
    {MS_RDONLY, sys::kMountAttrRdonly},         {MS_NOSUID, sys::kMountAttrNosuid},
    {MS_NODEV, sys::kMountAttrNodev},           {MS_NOEXEC, sys::kMountAttrNoexec},
    {MS_NODIRATIME, sys::kMountAttrNodiratime}, {kMsNosymfollow, sys::kMountAttrNosymfollow},
};

// MS_* per-mount flags as a mount_setattr change: what `set` names is set, what `clear`
// names is cleared (a bind's "rw", "suid", ... against flags its source has), the atime
// mode is replaced as a whole (by the kernel's default, relatime, when an option only
// cleared one), and nothing else is touched (so flags the kernel locked in a user
// namespace need not be restated).
inline sys::MountAttr attr_from_flags(uint64_t set, uint64_t clear) {
  sys::MountAttr a{};
  for (const auto& f : kPerMountFlags) {
    if (set & f.ms)
      a.attr_set |= f.attr;
    else if (clear & f.ms)
      a.attr_clr |= f.attr;
  }
  const uint64_t atime = MS_NOATIME | MS_STRICTATIME | MS_RELATIME;
  if ((set | clear) & atime) {
    a.attr_clr |= sys::kMountAttrAtimeMask;
    a.attr_set |= (set & MS_NOATIME)       ? sys::kMountAttrNoatime
                  : (set & MS_STRICTATIME) ? sys::kMountAttrStrictatime
                                           : sys::kMountAttrRelatime;
  }
  return a;
}

}  // namespace tsrun

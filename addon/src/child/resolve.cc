// Paths inside the container's root: every lookup is openat2(RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS) from the root fd, so ".." and absolute symlinks stop at the
// rootfs and no /proc/self/fd link reaches a runtime fd; missing components are created
// one name at a time relative to a parent fd resolved the same way.
#include <fcntl.h>

#include "../abi.h"
#include "child.h"
#include "fd.h"
#include "sys.h"
#include "text.h"

namespace tsrun {
namespace {

using PathBuf = text::Buf<kMaxPathLen + 1>;

}  // namespace

long rootfs_resolve(int root_fd, const char* path, int flags) {
  sys::OpenHow how{};
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  how.resolve = sys::kResolveInRoot | sys::kResolveNoMagiclinks;
  return sys::openat2(root_fd, path, &how);
}

// Resolves `path` inside the root, creating what is missing (runc's MkdirAllInRoot). A
// missing name may be a dangling symlink: the image can point /evil at /tmp/outside, or
// at ../../etc. Following it with a host path string is the CVE-2021-30465 class; so the
// link target is spliced into the remaining path as text, and every lookup stays an
// openat2(RESOLVE_IN_ROOT) from the root fd, where ".." and absolute targets stop at the
// rootfs. Creation is mkdirat/openat of one name relative to a parent fd resolved the
// same way. Iterative, bounded buffers: ELOOP after kMaxLinks splices, ENAMETOOLONG
// when the spliced path no longer fits.
long rootfs_resolve_or_create(int root_fd, const char* path, bool last_is_file) {
  long fd = rootfs_resolve(root_fd, path, O_PATH);
  if (fd != -ENOENT) return fd;

  constexpr int kMaxLinks = 40;     // the kernel's own limit on symlinks in one lookup
  constexpr int kMaxRounds = 4096;  // bounds the walk even if a racer keeps deleting
  PathBuf want;                     // the path to reach, rewritten at each splice
  PathBuf scratch;                  // a prefix of `want`, then the spliced path
  char link[kMaxPathLen + 1];
  want.add(path);
  if (!want.ok()) return -ENAMETOOLONG;
  size_t pos = 0;  // the components of `want` before pos exist
  int links = 0;
  for (int round = 0; round < kMaxRounds; round++) {
    const char* s = want.c_str();
    size_t start = pos;
    while (s[start] == '/') start++;
    if (s[start] == '\0') return rootfs_resolve(root_fd, s, O_PATH);
    size_t end = start;
    while (s[end] != '\0' && s[end] != '/') end++;
    size_t after = end;
    while (s[after] == '/') after++;
    bool last = s[after] == '\0';
    pos = end;

    scratch.clear();
    scratch.add(s, end);
    fd = rootfs_resolve(root_fd, scratch.c_str(), O_PATH);
    if (fd >= 0) {
      sys::close(static_cast<int>(fd));
      continue;
    }
    if (fd != -ENOENT) return fd;

    // Missing: create the name in its parent (the prefix before it, resolved in the root).
    scratch.clear();
    scratch.add(s, start);
    if (scratch.size() == 0) scratch.add("/");
    Fd parent(rootfs_resolve(root_fd, scratch.c_str(), O_PATH | O_DIRECTORY));
    if (parent.get() < 0) return parent.get();
    text::Buf<256> name;
    name.add(s + start, end - start);
    if (!name.ok()) return -ENAMETOOLONG;
    long r;
    if (last && last_is_file) {
      r = sys::openat(parent.get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (r >= 0) sys::close(static_cast<int>(r));
    } else {
      r = sys::mkdirat(parent.get(), name.c_str(), 0755);
    }
    if (r >= 0) continue;
    if (r != -EEXIST) return r;

    // The lookup said missing but the name exists: a dangling symlink (or a racer).
    if (++links > kMaxLinks) return -ELOOP;
    long n = sys::readlinkat(parent.get(), name.c_str(), link, sizeof link);
    if (n == -EINVAL) {  // not a link: it appeared meanwhile, look again
      pos = start;
      continue;
    }
    if (n < 0) return n;
    if (static_cast<size_t>(n) >= sizeof link) return -ENAMETOOLONG;
    link[n] = '\0';
    // want = [link's directory, for a relative target] + target + rest, then walk it
    // again from the root: the kernel resolves any ".." in it, clamped at the root.
    scratch.clear();
    if (link[0] != '/') scratch.add(s, start);
    scratch.add(link).add(s + end);
    if (!scratch.ok()) return -ENAMETOOLONG;
    want.clear();
    want.add(scratch.c_str());
    pos = 0;
  }
  return -ELOOP;
}

}  // namespace tsrun

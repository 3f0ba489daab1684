// Device nodes and symlinks inside the rootfs, before pivot_root. Parents are resolved
// inside the root; the node itself is made relative to that parent fd.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"
#include "text.h"

namespace tsrun {
namespace {

using PathBuf = text::Buf<kMaxPathLen + 1>;
using NameBuf = text::Buf<256>;

// Resolves (creating directories) the parent of `path`; `name` gets the last component.
long resolve_parent(const Child& c, const char* path, NameBuf& name) {
  PathBuf parent;
  if (!text::split_last(path, parent, name)) return -EINVAL;
  return rootfs_resolve_or_create(c.root_fd, parent.c_str(), false);
}

// In a user namespace mknod is refused: bind the host's node (same path) over an empty
// file. The file is opened without following anything: a symlink, or anything else the
// image put at the device's path, is replaced, never bound through.
long bind_host_node(const DevicePlan& d, int parent_fd, const char* name) {
  struct stat st {};
  long r = sys::fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW);
  if (r == 0 && !S_ISREG(st.st_mode)) {
    r = sys::unlinkat(parent_fd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
    if (r < 0) return r;
    r = -ENOENT;
  }
  if (r == -ENOENT) {
    r = sys::openat(parent_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (r >= 0) sys::close(static_cast<int>(r));
  }
  if (r < 0) return r;
  long dst = sys::openat(parent_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0) return dst;
  r = sys::fstatat(static_cast<int>(dst), "", &st, AT_EMPTY_PATH);
  if (r == 0 && !S_ISREG(st.st_mode)) r = -EEXIST;
  long tree = r < 0 ? r : -1;
  if (r == 0) {
    long src = sys::openat(AT_FDCWD, d.path, O_PATH | O_CLOEXEC);  // the host's node, before pivot_root
    tree = src < 0 ? src : sys::open_tree(static_cast<int>(src), "", sys::kOpenTreeClone | O_CLOEXEC | AT_EMPTY_PATH);
    if (src >= 0) sys::close(static_cast<int>(src));
  }
  if (tree >= 0) {
    r = rootfs_attach(static_cast<int>(tree), static_cast<int>(dst));
    sys::close(static_cast<int>(tree));
  } else {
    r = tree;
  }
  sys::close(static_cast<int>(dst));
  return r;
}

long make_node(const DevicePlan& d, int parent_fd, const char* name) {
  uint64_t dev = sys::dev_make(d.major, d.minor);
  unsigned mode = d.file_type | d.mode;
  long r = sys::mknodat(parent_fd, name, mode, dev);
  if (r == -EEXIST) {
    // Whatever the image put there is replaced by what the spec asks for.
    r = sys::unlinkat(parent_fd, name, 0);
    if (r < 0) return r;
    r = sys::mknodat(parent_fd, name, mode, dev);
  }
  if (r < 0) return r;
  return sys::fchownat(parent_fd, name, d.uid, d.gid, AT_SYMLINK_NOFOLLOW);
}

}  // namespace

void devices_create_all(const Child& c) {
  const ChildPlan& p = *c.plan;
  if (p.n_devices == 0) return;
  // The spec's mode is exact: no umask on the nodes.
  long old_mask = sys::umask(0);
  for (uint32_t i = 0; i < p.n_devices; i++) {
    const DevicePlan& d = p.devices[i];
    NameBuf name;
    long parent = resolve_parent(c, d.path, name);
    if (parent < 0) fail(c, ChildStep::Device, d.index, parent, d.path);
    long r = d.bind_from_host ? bind_host_node(d, static_cast<int>(parent), name.c_str())
                              : make_node(d, static_cast<int>(parent), name.c_str());
    if (r < 0) fail(c, ChildStep::Device, d.index, r, d.path);
    sys::close(static_cast<int>(parent));
  }
  sys::umask(static_cast<unsigned>(old_mask));
}

void devices_symlinks(const Child& c) {
  const ChildPlan& p = *c.plan;
  for (uint32_t i = 0; i < p.n_symlinks; i++) {
    const SymlinkPlan& s = p.symlinks[i];
    NameBuf name;
    long parent = resolve_parent(c, s.link_path, name);
    if (parent < 0) fail(c, ChildStep::Symlink, -1, parent, s.link_path);
    long r = sys::symlinkat(s.target, static_cast<int>(parent), name.c_str());
    if (r < 0 && r != -EEXIST) fail(c, ChildStep::Symlink, -1, r, s.link_path);
    sys::close(static_cast<int>(parent));
  }
}

}  // namespace tsrun

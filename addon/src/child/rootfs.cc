// The container's filesystem: mounts inside the rootfs (before pivot_root), pivot_root,
// then masked and read-only paths. Every path inside the rootfs is resolved with
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) and acted on through its fd, never
// re-resolved as a string (CVE-2021-30465 class). Binds are detached trees (open_tree)
// attached with move_mount and changed with mount_setattr; a filesystem mount(2) goes
// through /proc/self/fd/N only before pivot_root, where /proc is still the host's. After
// pivot_root no /proc path is used at all: the container's /proc is the image's.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "../abi.h"
#include "child.h"
#include "fd.h"
#include "mount_attr.h"
#include "report.h"
#include "sys.h"
#include "text.h"

namespace tsrun {
namespace {

using PathBuf = text::Buf<kMaxPathLen + 1>;

// STATX_MNT_ID of an fd: which mount it is on.
uint64_t mount_id(int fd) {
  struct statx stx {};
  if (sys::statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0) return 0;
  return stx.stx_mnt_id;
}

long mount_at_fd(const char* src, int dst_fd, const char* type, unsigned long flags, const char* data) {
  text::FdPath dst;
  text::fd_path(dst, dst_fd);
  return sys::mount(src, dst.c_str(), type, flags, data);
}

// Propagation entries (MS_SHARED/SLAVE/PRIVATE/UNBINDABLE, maybe |MS_REC) on a mount fd.
long set_propagation(int fd, const uint64_t* props, uint32_t n) {
  for (uint32_t k = 0; k < n; k++) {
    sys::MountAttr a{};
    a.propagation = props[k] & ~static_cast<uint64_t>(MS_REC);
    unsigned flags = AT_EMPTY_PATH | ((props[k] & MS_REC) ? sys::kAtRecursive : 0);
    long r = sys::mount_setattr(fd, "", flags, &a);
    if (r < 0) return r;
  }
  return 0;
}

// Why a flag change failed, for the report: EPERM where one is cleared is a flag the kernel
// locked on a mount that came from outside the user namespace.
const char* flags_failure(long err, uint64_t cleared) { return err == -EPERM && cleared != 0 ? "locked" : ""; }

// The recursive options (rro, rnosuid, ...): one change on the mount and every mount under it.
void set_recursive_attr(const Child& c, const MountPlan& m, int fd) {
  if (m.recursive_attr_set == 0 && m.recursive_attr_clr == 0) return;
  sys::MountAttr a{};
  a.attr_set = m.recursive_attr_set;
  a.attr_clr = m.recursive_attr_clr;
  long r = sys::mount_setattr(fd, "", AT_EMPTY_PATH | sys::kAtRecursive, &a);
  if (r < 0) fail(c, ChildStep::MountFlags, m.index, r, flags_failure(r, m.recursive_attr_clr));
}

// A bind mount: a detached copy of the source, its flags set (and cleared: "rw" on a
// read-only source) while detached, attached onto dst, then its propagation and recursive
// attributes. The source is opened here, in the container's mount namespace; where the
// container's user cannot reach it (a user namespace), the copy the runtime made with its
// own view is used instead.
void bind_mount(const Child& c, const MountPlan& m, int dst_fd) {
  unsigned rec = (m.flags & MS_REC) ? sys::kAtRecursive : 0;
  Fd tree;
  // An idmapped bind is only the runtime's tree: mapped while detached, which our copy
  // could no longer be once we changed it.
  long src = m.idmapped ? -EPERM : sys::openat(AT_FDCWD, m.source, O_PATH | O_CLOEXEC);
  if (src >= 0) {
    tree.reset(sys::open_tree(static_cast<int>(src), "", sys::kOpenTreeClone | O_CLOEXEC | AT_EMPTY_PATH | rec));
    sys::close(static_cast<int>(src));
  } else {
    tree.reset(src);
  }
  bool prepared = false;
  if ((tree.get() == -EACCES || tree.get() == -EPERM) && m.source_tree_fd >= 0) {
    // Its flags were set by the runtime, which owns it (the child may not change it).
    tree.reset(sys::fcntl(m.source_tree_fd, F_DUPFD_CLOEXEC, 0));
    prepared = true;
  }
  if (tree.get() < 0) fail(c, ChildStep::Mount, m.index, tree.get(), m.source);
  if (m.remount_flags >= 0 && !prepared) {
    sys::MountAttr a = attr_from_flags(static_cast<uint64_t>(m.remount_flags), m.clear_flags);
    long r = sys::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &a);
    if (r < 0) fail(c, ChildStep::MountFlags, m.index, r, flags_failure(r, m.clear_flags));
  }
  long r = rootfs_attach(tree.get(), dst_fd);
  if (r < 0) fail(c, ChildStep::Mount, m.index, r, m.destination);
  r = set_propagation(tree.get(), m.propagation, m.n_propagation);
  if (r < 0) fail(c, ChildStep::Mount, m.index, r, m.destination);
  set_recursive_attr(c, m, tree.get());
}

// The mount now on top of the directory `dst_fd` names, without a path lookup from the
// root: its parent (the fd's "..") and its name (the host's /proc, before pivot_root),
// one component, no symlinks, and it must be another mount than dst itself.
long mount_on_top(int dst_fd) {
  char self[kMaxPathLen + 1];
  text::FdPath link;
  text::fd_path(link, dst_fd);
  long n = sys::readlinkat(AT_FDCWD, link.c_str(), self, sizeof self);
  if (n < 0) return n;
  if (static_cast<size_t>(n) >= sizeof self) return -ENAMETOOLONG;
  self[n] = '\0';
  const char* name = self;
  for (long i = 0; i < n; i++)
    if (self[i] == '/') name = self + i + 1;
  if (name[0] == '\0') return -EINVAL;
  sys::OpenHow up{};
  up.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  up.resolve = sys::kResolveNoMagiclinks | sys::kResolveNoSymlinks;
  Fd parent(sys::openat2(dst_fd, "..", &up));
  if (parent.get() < 0) return parent.get();
  sys::OpenHow how{};
  how.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW;
  how.resolve = sys::kResolveBeneath | sys::kResolveNoSymlinks | sys::kResolveNoMagiclinks;
  long top = sys::openat2(parent.get(), name, &how);
  if (top < 0) return top;
  if (mount_id(static_cast<int>(top)) == mount_id(dst_fd)) {
    sys::close(static_cast<int>(top));
    return -ESTALE;
  }
  return top;
}
}  // namespace

long rootfs_attach(int tree, int dst_fd) {
  return sys::move_mount(tree, "", dst_fd, "", sys::kMoveMountFEmptyPath | sys::kMoveMountTEmptyPath);
}

// Without a mount namespace of its own the container shares the runtime's (runtime-tools'
// linux_ns_itype): nothing may touch "/" or pivot it, which would change the root of every
// process of that namespace. Mounts still go under the rootfs, and the root is a chroot.
static bool has_mount_ns(const ChildPlan& p) {
  if (p.new_namespaces & CLONE_NEWNS) return true;
  for (uint32_t i = 0; i < p.n_joins; i++)
    if (p.joins[i].type == CLONE_NEWNS) return true;
  return false;
}

void rootfs_prepare(Child& c) {
  const ChildPlan& p = *c.plan;
  if (!has_mount_ns(p)) {
    long fd = sys::openat(AT_FDCWD, p.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail(c, ChildStep::BindRootfs, -1, fd, p.rootfs);
    c.root_fd = static_cast<int>(fd);
    return;
  }
  if (p.root_propagation != 0) {
    long r = sys::mount(nullptr, "/", nullptr, p.root_propagation, nullptr);
    if (r < 0) fail(c, ChildStep::RootPropagation, -1, r, "/");
  }
  // pivot_root needs the new root to be a mount point.
  long r = sys::mount(p.rootfs, p.rootfs, nullptr, MS_BIND | MS_REC, nullptr);
  if (r < 0) fail(c, ChildStep::BindRootfs, -1, r, p.rootfs);
  long fd = sys::openat(AT_FDCWD, p.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(c, ChildStep::BindRootfs, -1, fd, p.rootfs);
  c.root_fd = static_cast<int>(fd);
}

// proc and sysfs only on a real directory reached without any symlink (runc: "must be
// mounted on ordinary directory"): an image whose /proc links elsewhere would otherwise
// get procfs wherever the link points.
bool needs_ordinary_directory(const MountPlan& m) {
  return m.fstype != nullptr && (text::equal(m.fstype, "proc") || text::equal(m.fstype, "sysfs"));
}

void rootfs_mount_all(const Child& c) {
  const ChildPlan& p = *c.plan;
  for (uint32_t i = 0; i < p.n_mounts; i++) {
    const MountPlan& m = p.mounts[i];
    Fd dst(rootfs_resolve_or_create(c.root_fd, m.destination, m.target_is_file));
    if (dst.get() < 0) fail(c, ChildStep::Mount, m.index, dst.get(), m.destination);
    if (needs_ordinary_directory(m) && !m.source_is_path) {
      sys::OpenHow how{};
      how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
      how.resolve = sys::kResolveInRoot | sys::kResolveNoSymlinks | sys::kResolveNoMagiclinks;
      Fd plain(sys::openat2(c.root_fd, m.destination, &how));
      if (plain.get() < 0)
        fail(c, ChildStep::Mount, m.index, plain.get() == -ELOOP ? -ENOTDIR : plain.get(),
             "must be mounted on ordinary directory");
    }

    if (m.source_is_path) {
      bind_mount(c, m, dst.get());
      continue;
    }
    // tmpcopyup: the image's directory, opened before the tmpfs hides it.
    Fd image_dir;
    if (m.copy_up) {
      image_dir.reset(sys::openat(dst.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (image_dir.get() < 0) fail(c, ChildStep::CopyUp, m.index, image_dir.get(), m.destination);
    }
    // A read-only tmpfs is filled first and made read-only after.
    unsigned long flags = m.copy_up ? (m.flags & ~static_cast<uint64_t>(MS_RDONLY)) : m.flags;
    long r = mount_at_fd(m.source, dst.get(), m.fstype, flags, m.data);
    if (r < 0) fail(c, ChildStep::Mount, m.index, r, m.destination);
    if (!m.copy_up && m.n_propagation == 0 && m.recursive_attr_set == 0 && m.recursive_attr_clr == 0) continue;
    Fd top(mount_on_top(dst.get()));
    if (top.get() < 0) fail(c, ChildStep::Mount, m.index, top.get(), m.destination);
    if (m.copy_up) {
      r = copy_up(image_dir.get(), top.get());
      if (r < 0) fail(c, ChildStep::CopyUp, m.index, r, m.destination);
      if (m.flags & MS_RDONLY) {
        sys::MountAttr ro{};
        ro.attr_set = sys::kMountAttrRdonly;
        r = sys::mount_setattr(top.get(), "", AT_EMPTY_PATH, &ro);
        if (r < 0) fail(c, ChildStep::MountFlags, m.index, r, "");
      }
    }
    r = set_propagation(top.get(), m.propagation, m.n_propagation);
    if (r < 0) fail(c, ChildStep::Mount, m.index, r, m.destination);
    set_recursive_attr(c, m, top.get());
  }
}

void rootfs_pivot(Child& c) {
  const ChildPlan& p = *c.plan;
  long r = sys::fchdir(c.root_fd);
  if (r < 0) fail(c, ChildStep::PivotRoot, -1, r, p.rootfs);
  if (!has_mount_ns(p)) {
    r = sys::chroot(".");
    if (r < 0) fail(c, ChildStep::PivotRoot, -1, r, "chroot");
  } else if (p.no_pivot) {
    r = sys::mount(".", "/", nullptr, MS_MOVE, nullptr);
    if (r < 0) fail(c, ChildStep::PivotRoot, -1, r, "move mount");
    r = sys::chroot(".");
    if (r < 0) fail(c, ChildStep::PivotRoot, -1, r, "chroot");
  } else {
    // pivot_root(".", ".") stacks the old root on the new one; detach it. Make it a
    // slave first so the detach cannot propagate to the host's mounts. Through an fd on
    // the old root, as runc does: "." is the new root, whose mounts keep the propagation
    // the config gave them (a "shared" mount stays shared).
    long old_root = sys::openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (old_root < 0) fail(c, ChildStep::PivotRoot, -1, old_root, "open old root");
    Fd old(old_root);
    r = sys::pivot_root(".", ".");
    if (r < 0) fail(c, ChildStep::PivotRoot, -1, r, "pivot_root");
    r = sys::fchdir(old.get());
    if (r < 0) fail(c, ChildStep::PivotRoot, -1, r, "enter old root");
    r = sys::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr);
    if (r < 0) fail(c, ChildStep::PivotRoot, -1, r, "old root rslave");
    r = sys::umount2(".", MNT_DETACH);
    if (r < 0) fail(c, ChildStep::PivotRoot, -1, r, "umount old root");
  }
  r = sys::chdir("/");
  if (r < 0) fail(c, ChildStep::PivotRoot, -1, r, "/");
  sys::close(c.root_fd);
  long fd = sys::openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(c, ChildStep::PivotRoot, -1, fd, "/");
  c.root_fd = static_cast<int>(fd);

  if (p.rootfs_propagation != 0 && has_mount_ns(p)) {
    r = sys::mount(nullptr, "/", nullptr, p.rootfs_propagation, nullptr);
    if (r < 0) fail(c, ChildStep::RootfsPropagation, -1, r, "/");
  }
}

// A missing process.cwd is created as runc does: 0755, by root, before the credential
// switch and the read-only root; exec_lookup enters it later as the container user
// (and still fails at Cwd on a file or a directory the user cannot enter).
void rootfs_make_cwd(const Child& c) {
  long fd = rootfs_resolve_or_create(c.root_fd, c.plan->cwd, false);
  if (fd < 0) fail(c, ChildStep::Cwd, -1, fd, c.plan->cwd);
  sys::close(static_cast<int>(fd));
}

// A recursive copy of the path's own tree, made read-only while detached and attached
// back onto it.
void rootfs_readonly_paths(const Child& c) {
  const ChildPlan& p = *c.plan;
  for (uint32_t i = 0; i < p.n_readonly_paths; i++) {
    const char* path = p.readonly_paths[i];
    int index = static_cast<int>(i);
    Fd fd(rootfs_resolve(c.root_fd, path, O_PATH));
    if (fd.get() == -ENOENT) continue;
    if (fd.get() < 0) fail(c, ChildStep::ReadonlyPath, index, fd.get(), path);
    Fd tree(sys::open_tree(fd.get(), "", sys::kOpenTreeClone | O_CLOEXEC | AT_EMPTY_PATH | sys::kAtRecursive));
    if (tree.get() < 0) fail(c, ChildStep::ReadonlyPath, index, tree.get(), path);
    sys::MountAttr ro{};
    ro.attr_set = sys::kMountAttrRdonly;
    long r = sys::mount_setattr(tree.get(), "", AT_EMPTY_PATH | sys::kAtRecursive, &ro);
    if (r < 0) fail(c, ChildStep::ReadonlyPath, index, r, path);
    r = rootfs_attach(tree.get(), fd.get());
    if (r < 0) fail(c, ChildStep::ReadonlyPath, index, r, path);
  }
}

// A fresh read-only tmpfs, detached until it is attached onto the directory's fd.
long empty_readonly_tmpfs() {
  Fd ctx(sys::fsopen("tmpfs", 1 /* FSOPEN_CLOEXEC */));
  if (ctx.get() < 0) return ctx.get();
  long r = sys::fsconfig(ctx.get(), sys::kFsconfigCmdCreate, nullptr, nullptr, 0);
  if (r < 0) return r;
  return sys::fsmount(ctx.get(), 1 /* FSMOUNT_CLOEXEC */, sys::kMountAttrRdonly);
}

// Masking binds /dev/null over files; the source must really be the null device, or a
// container could make us bind anything over the path (CVE-2025-31133).
void rootfs_mask_paths(const Child& c) {
  const ChildPlan& p = *c.plan;
  Fd null_fd;
  for (uint32_t i = 0; i < p.n_masked_paths; i++) {
    const char* path = p.masked_paths[i];
    int index = static_cast<int>(i);
    Fd fd(rootfs_resolve(c.root_fd, path, O_PATH));
    if (fd.get() == -ENOENT) continue;
    if (fd.get() < 0) fail(c, ChildStep::MaskPath, index, fd.get(), path);
    struct stat st {};
    long r = sys::fstatat(fd.get(), "", &st, AT_EMPTY_PATH);
    if (r < 0) fail(c, ChildStep::MaskPath, index, r, path);
    Fd tree;
    if (S_ISDIR(st.st_mode)) {
      tree.reset(empty_readonly_tmpfs());
    } else {
      if (null_fd.get() < 0) {
        null_fd.reset(rootfs_resolve(c.root_fd, "/dev/null", O_PATH));
        if (null_fd.get() < 0) fail(c, ChildStep::MaskPath, index, null_fd.get(), "/dev/null");
        struct stat ns {};
        r = sys::fstatat(null_fd.get(), "", &ns, AT_EMPTY_PATH);
        if (r < 0) fail(c, ChildStep::MaskPath, index, r, "/dev/null");
        if (!S_ISCHR(ns.st_mode) || sys::dev_major(ns.st_rdev) != 1 || sys::dev_minor(ns.st_rdev) != 3)
          fail(c, ChildStep::MaskPath, index, ENODEV, "/dev/null is not the null device");
      }
      tree.reset(sys::open_tree(null_fd.get(), "", sys::kOpenTreeClone | O_CLOEXEC | AT_EMPTY_PATH));
    }
    if (tree.get() < 0) fail(c, ChildStep::MaskPath, index, tree.get(), path);
    r = rootfs_attach(tree.get(), fd.get());
    if (r < 0) fail(c, ChildStep::MaskPath, index, r, path);
  }
}

void rootfs_readonly_root(const Child& c) {
  if (!c.plan->root_readonly) return;
  sys::MountAttr ro{};
  ro.attr_set = sys::kMountAttrRdonly;
  long r = sys::mount_setattr(c.root_fd, "", AT_EMPTY_PATH, &ro);
  if (r < 0) fail(c, ChildStep::RootReadonly, -1, r, "/");
}

}  // namespace tsrun

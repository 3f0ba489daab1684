// The container's filesystem: mounts inside the rootfs (before pivot_root), pivot_root,
// then masked and read-only paths. Every path inside the rootfs is resolved with
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) and acted on through its fd
// (/proc/self/fd/N), never re-resolved as a string (CVE-2021-30465 class).
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>

#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"
#include "text.h"

namespace tsrun {
namespace {

using PathBuf = text::Buf<kMaxPathLen + 1>;

// A resolved fd that the caller owns, closed on scope exit.
class Fd {
 public:
  explicit Fd(long fd = -1) : fd_(static_cast<int>(fd)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(-1); }
  int get() const { return fd_; }
  void reset(long fd) {
    if (fd_ >= 0) sys::close(fd_);
    fd_ = static_cast<int>(fd);
  }

 private:
  int fd_;
};

long mount_at_fd(const char* src, int dst_fd, const char* type, unsigned long flags, const char* data) {
  text::FdPath dst;
  text::fd_path(dst, dst_fd);
  return sys::mount(src, dst.c_str(), type, flags, data);
}

// mount(MS_REMOUNT|MS_BIND|flags) keeping what the kernel locked on this mount.
long remount_at_fd(int fd, unsigned long flags) {
  return mount_at_fd(nullptr, fd, nullptr, MS_REMOUNT | MS_BIND | flags | rootfs_locked_flags(fd), nullptr);
}

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

unsigned long rootfs_locked_flags(int fd) {
  struct statfs sfs {};
  if (sys::fstatfs(fd, &sfs) < 0) return 0;
  unsigned long f = static_cast<unsigned long>(sfs.f_flags);
  unsigned long out = 0;
  if (f & ST_RDONLY) out |= MS_RDONLY;
  if (f & ST_NOSUID) out |= MS_NOSUID;
  if (f & ST_NODEV) out |= MS_NODEV;
  if (f & ST_NOEXEC) out |= MS_NOEXEC;
  if (f & ST_NODIRATIME) out |= MS_NODIRATIME;
  // The atime mode is locked as a whole in a user namespace: restate the current one.
  if (f & ST_NOATIME) {
    out |= MS_NOATIME;
  } else if (f & ST_RELATIME) {
    out |= MS_RELATIME;
  } else {
    out |= MS_STRICTATIME;
  }
  return out;
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

void rootfs_mount_all(const Child& c) {
  const ChildPlan& p = *c.plan;
  for (uint32_t i = 0; i < p.n_mounts; i++) {
    const MountPlan& m = p.mounts[i];
    Fd dst(rootfs_resolve_or_create(c.root_fd, m.destination, m.target_is_file));
    if (dst.get() < 0) fail(c, ChildStep::Mount, m.index, dst.get(), m.destination);

    Fd src;
    text::FdPath src_path;
    const char* source = m.source;
    if (m.source_is_path) {
      src.reset(sys::openat(AT_FDCWD, m.source, O_PATH | O_CLOEXEC));
      if (src.get() < 0) fail(c, ChildStep::Mount, m.index, src.get(), m.source);
      text::fd_path(src_path, src.get());
      source = src_path.c_str();
    }
    long r = mount_at_fd(source, dst.get(), m.fstype, m.flags, m.data);
    if (r < 0) fail(c, ChildStep::Mount, m.index, r, m.destination);
    if (m.remount_flags < 0 && m.n_propagation == 0) continue;

    // The fd still names the directory under the new mount: resolve again to reach it.
    dst.reset(rootfs_resolve(c.root_fd, m.destination, O_PATH));
    if (dst.get() < 0) fail(c, ChildStep::Mount, m.index, dst.get(), m.destination);
    if (m.remount_flags >= 0) {
      r = remount_at_fd(dst.get(), static_cast<unsigned long>(m.remount_flags));
      if (r < 0) fail(c, ChildStep::Mount, m.index, r, m.destination);
    }
    for (uint32_t k = 0; k < m.n_propagation; k++) {
      r = mount_at_fd(nullptr, dst.get(), nullptr, m.propagation[k], nullptr);
      if (r < 0) fail(c, ChildStep::Mount, m.index, r, m.destination);
    }
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
    // slave first so the detach cannot propagate to the host's mounts.
    r = sys::pivot_root(".", ".");
    if (r < 0) fail(c, ChildStep::PivotRoot, -1, r, "pivot_root");
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

void rootfs_readonly_paths(const Child& c) {
  const ChildPlan& p = *c.plan;
  for (uint32_t i = 0; i < p.n_readonly_paths; i++) {
    const char* path = p.readonly_paths[i];
    int index = static_cast<int>(i);
    Fd fd(rootfs_resolve(c.root_fd, path, O_PATH));
    if (fd.get() == -ENOENT) continue;
    if (fd.get() < 0) fail(c, ChildStep::ReadonlyPath, index, fd.get(), path);
    text::FdPath self;
    text::fd_path(self, fd.get());
    long r = sys::mount(self.c_str(), self.c_str(), nullptr, MS_BIND | MS_REC, nullptr);
    if (r < 0) fail(c, ChildStep::ReadonlyPath, index, r, path);
    fd.reset(rootfs_resolve(c.root_fd, path, O_PATH));
    if (fd.get() < 0) fail(c, ChildStep::ReadonlyPath, index, fd.get(), path);
    r = remount_at_fd(fd.get(), MS_RDONLY);
    if (r < 0) fail(c, ChildStep::ReadonlyPath, index, r, path);
  }
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
    if (S_ISDIR(st.st_mode)) {
      r = mount_at_fd("tmpfs", fd.get(), "tmpfs", MS_RDONLY, nullptr);
      if (r < 0) fail(c, ChildStep::MaskPath, index, r, path);
      continue;
    }
    if (null_fd.get() < 0) {
      null_fd.reset(rootfs_resolve(c.root_fd, "/dev/null", O_PATH));
      if (null_fd.get() < 0) fail(c, ChildStep::MaskPath, index, null_fd.get(), "/dev/null");
      struct stat ns {};
      r = sys::fstatat(null_fd.get(), "", &ns, AT_EMPTY_PATH);
      if (r < 0) fail(c, ChildStep::MaskPath, index, r, "/dev/null");
      if (!S_ISCHR(ns.st_mode) || sys::dev_major(ns.st_rdev) != 1 || sys::dev_minor(ns.st_rdev) != 3)
        fail(c, ChildStep::MaskPath, index, ENODEV, "/dev/null is not the null device");
    }
    text::FdPath src;
    text::fd_path(src, null_fd.get());
    r = mount_at_fd(src.c_str(), fd.get(), nullptr, MS_BIND, nullptr);
    if (r < 0) fail(c, ChildStep::MaskPath, index, r, path);
  }
}

void rootfs_readonly_root(const Child& c) {
  if (!c.plan->root_readonly) return;
  long r = sys::mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | rootfs_locked_flags(c.root_fd),
                      nullptr);
  if (r < 0) fail(c, ChildStep::RootReadonly, -1, r, "/");
}

}  // namespace tsrun

// tmpcopyup: what the image has at a tmpfs mount's destination is copied into the new
// tmpfs. The source tree is the hostile rootfs: every name is opened one component at a
// time beneath an fd (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, O_NOFOLLOW), a symlink is
// copied as a link and never followed, a file is checked to be regular after it is
// opened (O_NONBLOCK: a fifo swapped in does not block us). Bounded: kMaxDepth levels,
// fixed buffers on the stack, no allocation.
#include <fcntl.h>
#include <sys/stat.h>

#include "../abi.h"
#include "child.h"
#include "fd.h"
#include "sys.h"

namespace tsrun {
namespace {

constexpr int kMaxDepth = 32;

struct Dirent64 {
  uint64_t ino;
  int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[1];
};

bool is_dot(const char* n) { return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')); }

long open_beneath(int dir, const char* name, uint64_t flags) {
  sys::OpenHow how{};
  how.flags = flags | O_NOFOLLOW | O_CLOEXEC;
  how.resolve = sys::kResolveBeneath | sys::kResolveNoSymlinks | sys::kResolveNoMagiclinks;
  return sys::openat2(dir, name, &how);
}

long copy_file(int from, int to, const char* name, const struct stat& st) {
  Fd src(open_beneath(from, name, O_RDONLY | O_NONBLOCK));
  if (src.get() < 0) return src.get();
  struct stat now {};
  long r = sys::fstatat(src.get(), "", &now, AT_EMPTY_PATH);
  if (r < 0) return r;
  if (!S_ISREG(now.st_mode) || now.st_ino != st.st_ino || now.st_dev != st.st_dev) return -ESTALE;
  Fd dst(sys::openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (dst.get() < 0) return dst.get();
  for (;;) {
    long n = sys::sendfile(dst.get(), src.get(), 1 << 20);
    if (n < 0) return n;
    if (n == 0) break;
  }
  r = sys::fchownat(dst.get(), "", now.st_uid, now.st_gid, AT_EMPTY_PATH);
  if (r < 0) return r;
  // After the chown, which drops set-id bits.
  return sys::fchmod(dst.get(), now.st_mode & 07777);
}

// The link itself, its target as text. Not inlined: its buffer stays off the frames of
// the recursion.
__attribute__((noinline)) long copy_symlink(int from, int to, const char* name, const struct stat& st) {
  char target[kMaxPathLen + 1];
  long n = sys::readlinkat(from, name, target, sizeof target);
  if (n < 0) return n;
  if (static_cast<size_t>(n) >= sizeof target) return -ENAMETOOLONG;
  target[n] = '\0';
  long r = sys::symlinkat(target, to, name);
  if (r < 0) return r;
  return sys::fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
}

long copy_tree(int from, int to, int depth);

long copy_entry(int from, int to, const char* name, int depth) {
  struct stat st {};
  long r = sys::fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW);
  if (r < 0) return r;
  if (S_ISREG(st.st_mode)) return copy_file(from, to, name, st);
  if (S_ISLNK(st.st_mode)) return copy_symlink(from, to, name, st);
  if (S_ISDIR(st.st_mode)) {
    if (depth >= kMaxDepth) return -ELOOP;
    Fd sub_from(open_beneath(from, name, O_RDONLY | O_DIRECTORY));
    if (sub_from.get() < 0) return sub_from.get();
    r = sys::mkdirat(to, name, 0700);
    if (r < 0) return r;
    Fd sub_to(open_beneath(to, name, O_PATH | O_DIRECTORY));
    if (sub_to.get() < 0) return sub_to.get();
    r = copy_tree(sub_from.get(), sub_to.get(), depth + 1);
    if (r < 0) return r;
  } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    r = sys::mknodat(to, name, st.st_mode & S_IFMT, st.st_rdev);
    if (r < 0) return r;
  } else {
    return 0;  // a socket: nothing to copy, as a new one is made by whoever binds it
  }
  r = sys::fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
  if (r < 0) return r;
  return sys::fchmodat(to, name, st.st_mode & 07777);
}

long copy_tree(int from, int to, int depth) {
  alignas(8) char buf[2048];
  for (;;) {
    long n = sys::getdents64(from, buf, sizeof buf);
    if (n < 0) return n;
    if (n == 0) return 0;
    for (long off = 0; off < n;) {
      const auto* d = reinterpret_cast<const Dirent64*>(buf + off);
      off += d->reclen;
      if (is_dot(d->name)) continue;
      long r = copy_entry(from, to, d->name, depth);
      if (r < 0) return r;
    }
  }
}

}  // namespace

long copy_up(int from, int to) { return copy_tree(from, to, 0); }

}  // namespace tsrun

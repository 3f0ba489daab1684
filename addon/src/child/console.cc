// The container's terminal: a new pty from the container's devpts, the master sent to
// the console socket (SCM_RIGHTS, as runc), the peer made our controlling terminal,
// stdio and /dev/console.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/vfs.h>

#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"
#include "text.h"

namespace tsrun {
namespace {

constexpr long kDevptsSuperMagic = 0x1cd1;
constexpr long kProcSuperMagic = 0x9fa0;
constexpr long kSysfsMagic = 0x62656572;

// Unix98 pty slaves use majors 136..143.
bool is_pty_peer(const struct stat& st) {
  uint64_t ma = sys::dev_major(st.st_rdev);
  return S_ISCHR(st.st_mode) && ma >= 136 && ma <= 143;
}

long send_master(int sock, int master) {
  char name[] = "/dev/ptmx";
  struct iovec iov {};
  iov.iov_base = name;
  iov.iov_len = sizeof name - 1;
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } control{};
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  struct cmsghdr* cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  unsigned char* data = CMSG_DATA(cm);
  for (size_t i = 0; i < sizeof(int); i++) data[i] = reinterpret_cast<const unsigned char*>(&master)[i];
  return sys::sendmsg(sock, &msg, MSG_NOSIGNAL);
}

// /dev/ptmx inside the root (the usual symlink to pts/ptmx is followed there, nothing
// outside), checked to be the ptmx device of a devpts before it is opened for real.
long open_ptmx(const Child& c) {
  long probe = rootfs_resolve(c.root_fd, "/dev/ptmx", O_PATH);
  if (probe < 0) return probe;
  struct stat want {};
  struct statfs fs {};
  long r = sys::fstatat(static_cast<int>(probe), "", &want, AT_EMPTY_PATH);
  if (r >= 0) r = sys::fstatfs(static_cast<int>(probe), &fs);
  sys::close(static_cast<int>(probe));
  if (r < 0) return r;
  if (!S_ISCHR(want.st_mode) || sys::dev_major(want.st_rdev) != 5 || sys::dev_minor(want.st_rdev) != 2 ||
      fs.f_type != kDevptsSuperMagic)
    return -ENODEV;
  long master = rootfs_resolve(c.root_fd, "/dev/ptmx", O_RDWR | O_NOCTTY);
  if (master < 0) return master;
  struct stat got {};
  r = sys::fstatat(static_cast<int>(master), "", &got, AT_EMPTY_PATH);
  if (r < 0 || got.st_dev != want.st_dev || got.st_ino != want.st_ino) {
    sys::close(static_cast<int>(master));
    return r < 0 ? r : -ENODEV;
  }
  return master;
}

// /dev/console as a node we may bind onto: `console` opened in /dev (resolved in the
// root) without following a link; a regular file or a character device not on procfs or
// sysfs. Anything else the image put there is removed and an empty file made instead
// (CVE-2025-52565: a link to /proc/sys/kernel/core_pattern must not receive the pty).
long open_console_target(const Child& c) {
  long dev = rootfs_resolve(c.root_fd, "/dev", O_PATH | O_DIRECTORY);
  if (dev < 0) return dev;
  int d = static_cast<int>(dev);
  long fd = -1;
  for (int attempt = 0; attempt < 2 && fd < 0; attempt++) {
    struct stat st {};
    long r = sys::fstatat(d, "console", &st, AT_SYMLINK_NOFOLLOW);
    if (r == 0 && !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
      r = sys::unlinkat(d, "console", S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
      if (r < 0) break;
      r = -ENOENT;
    }
    if (r == -ENOENT) {
      long made = sys::openat(d, "console", O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0600);
      if (made < 0 && made != -EEXIST) {
        fd = made;
        break;
      }
      if (made >= 0) sys::close(static_cast<int>(made));
      continue;  // look again: what is there now must pass the checks
    }
    if (r < 0) {
      fd = r;
      break;
    }
    fd = sys::openat(d, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) break;
    struct stat st2 {};
    struct statfs fs {};
    r = sys::fstatat(static_cast<int>(fd), "", &st2, AT_EMPTY_PATH);
    if (r >= 0) r = sys::fstatfs(static_cast<int>(fd), &fs);
    bool ok = r >= 0 && (S_ISREG(st2.st_mode) || S_ISCHR(st2.st_mode)) && fs.f_type != kProcSuperMagic &&
              fs.f_type != kSysfsMagic;
    if (!ok) {
      sys::close(static_cast<int>(fd));
      fd = r < 0 ? r : -EXDEV;
    }
  }
  sys::close(d);
  return fd;
}

}  // namespace

// The init leads a new session and process group, with or without a terminal, as runc's
// init does: signals for the caller's process group or terminal (Ctrl-C, a supervisor
// killing its group) do not reach the container. A console becomes its controlling
// terminal later (console_setup).
void session_start(const Child& c) {
  long r = sys::setsid();
  if (r < 0) fail(c, ChildStep::Setup, -1, r, "setsid");
}

void console_setup(const Child& c, bool dev_console) {
  const ChildPlan& p = *c.plan;
  if (p.console_socket_fd < 0) return;
  long master = open_ptmx(c);
  if (master < 0) fail(c, ChildStep::Console, -1, master, "/dev/ptmx");
  int unlock = 0;
  long r = sys::ioctl(static_cast<int>(master), TIOCSPTLCK, reinterpret_cast<long>(&unlock));
  if (r < 0) fail(c, ChildStep::Console, -1, r, "unlock pty");
  // The peer comes from the master itself, not from a path in /dev/pts that the
  // container could have swapped (CVE-2025-52565).
  long peer = sys::ioctl(static_cast<int>(master), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (peer < 0) fail(c, ChildStep::Console, -1, peer, "pty peer");
  struct stat st {};
  r = sys::fstatat(static_cast<int>(peer), "", &st, AT_EMPTY_PATH);
  if (r < 0) fail(c, ChildStep::Console, -1, r, "pty peer");
  if (!is_pty_peer(st)) fail(c, ChildStep::Console, -1, ENOTTY, "pty peer is not a pty");

  if (p.console_rows != 0 || p.console_cols != 0) {
    struct winsize ws {};
    ws.ws_row = static_cast<unsigned short>(p.console_rows);
    ws.ws_col = static_cast<unsigned short>(p.console_cols);
    r = sys::ioctl(static_cast<int>(master), TIOCSWINSZ, reinterpret_cast<long>(&ws));
    if (r < 0) fail(c, ChildStep::Console, -1, r, "process.consoleSize");
  }
  r = send_master(p.console_socket_fd, static_cast<int>(master));
  if (r < 0) fail(c, ChildStep::Console, -1, r, "console socket");
  sys::close(static_cast<int>(master));
  sys::close(p.console_socket_fd);  // done with it: the container never sees the socket

  // session_start made this process a session leader without a controlling terminal.
  r = sys::ioctl(static_cast<int>(peer), TIOCSCTTY, 0);
  if (r < 0) fail(c, ChildStep::Console, -1, r, "TIOCSCTTY");
  for (int fd = 0; fd < 3; fd++) {
    r = sys::dup3(static_cast<int>(peer), fd, 0);
    if (r < 0) fail(c, ChildStep::Console, -1, r, "dup3");
  }
  if (!dev_console) {
    sys::close(static_cast<int>(peer));
    return;
  }

  long console = open_console_target(c);
  if (console < 0) fail(c, ChildStep::Console, -1, console, "/dev/console");
  // A bind of the peer made from its fd, attached onto the checked node's fd.
  long tree = sys::open_tree(static_cast<int>(peer), "", sys::kOpenTreeClone | O_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0) fail(c, ChildStep::Console, -1, tree, "/dev/console");
  r = rootfs_attach(static_cast<int>(tree), static_cast<int>(console));
  if (r < 0) fail(c, ChildStep::Console, -1, r, "/dev/console");
  sys::close(static_cast<int>(tree));
  sys::close(static_cast<int>(console));
  sys::close(static_cast<int>(peer));
}

}  // namespace tsrun

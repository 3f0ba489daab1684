// The container's terminal: a new pty from the container's devpts, the master sent to
// the console socket (SCM_RIGHTS, as runc), the peer made our controlling terminal,
// stdio and /dev/console.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"
#include "text.h"

namespace tsrun {
namespace {

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

}  // namespace

void console_setup(const Child& c) {
  const ChildPlan& p = *c.plan;
  if (p.console_socket_fd < 0) return;
  long master = sys::openat(AT_FDCWD, "/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
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

  r = send_master(p.console_socket_fd, static_cast<int>(master));
  if (r < 0) fail(c, ChildStep::Console, -1, r, "console socket");
  sys::close(static_cast<int>(master));

  r = sys::setsid();
  if (r < 0) fail(c, ChildStep::Console, -1, r, "setsid");
  r = sys::ioctl(static_cast<int>(peer), TIOCSCTTY, 0);
  if (r < 0) fail(c, ChildStep::Console, -1, r, "TIOCSCTTY");
  for (int fd = 0; fd < 3; fd++) {
    r = sys::dup3(static_cast<int>(peer), fd, 0);
    if (r < 0) fail(c, ChildStep::Console, -1, r, "dup3");
  }

  long console = rootfs_resolve_or_create(c.root_fd, "/dev/console", true);
  if (console < 0) fail(c, ChildStep::Console, -1, console, "/dev/console");
  text::FdPath src, dst;
  text::fd_path(src, static_cast<int>(peer));
  text::fd_path(dst, static_cast<int>(console));
  r = sys::mount(src.c_str(), dst.c_str(), nullptr, MS_BIND, nullptr);
  if (r < 0) fail(c, ChildStep::Console, -1, r, "/dev/console");
  sys::close(static_cast<int>(console));
  sys::close(static_cast<int>(peer));
}

}  // namespace tsrun

// The runtime process's side of a container terminal for `run` without --console-socket:
// the runtime is its own console socket (a socket pair), takes the pty master the child
// sends over it and sizes the pty. Parent side only: never run in the child.
#include "terminal.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <string>

#include "napi_args.h"

namespace tsrun {
namespace {

// socketPair(): [runtime end, child end], AF_UNIX SOCK_STREAM, both CLOEXEC.
Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return throw_syscall(env, "socketpair", errno, "");
  Napi::Array pair = Napi::Array::New(env, 2);
  pair.Set(0u, Napi::Number::New(env, sv[0]));
  pair.Set(1u, Napi::Number::New(env, sv[1]));
  return pair;
}

// recvFd(sock): the one fd of an SCM_RIGHTS message already waiting on `sock` (never
// blocks: EAGAIN when none is there), received CLOEXEC. A message without exactly one fd
// is EBADMSG, and any fds it did carry are closed.
Napi::Value RecvFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = -1;
  if (!arg_fd(info, 0, "recvFd", "fd", &sock)) return env.Undefined();
  char name[64];
  struct iovec iov {};
  iov.iov_base = name;
  iov.iov_len = sizeof name;
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(4 * sizeof(int))];
  } control{};
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  ssize_t n;
  do {
    n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return throw_syscall(env, "recvmsg", errno, "console socket");
  int fd = -1;
  int count = 0;
  for (struct cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
    size_t fds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < fds; i++) {
      int got;
      memcpy(&got, CMSG_DATA(cm) + i * sizeof(int), sizeof got);
      if (count++ == 0) {
        fd = got;
      } else {
        close(got);
      }
    }
  }
  if (count != 1 || (msg.msg_flags & MSG_CTRUNC) != 0) {
    if (fd >= 0) close(fd);
    return throw_syscall(env, "recvmsg", EBADMSG, "console socket");
  }
  return Napi::Number::New(env, fd);
}

// windowSize(fd): { rows, cols } of the terminal on fd, null when fd is not a terminal.
Napi::Value WindowSize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = -1;
  if (!arg_fd(info, 0, "windowSize", "fd", &fd)) return env.Undefined();
  struct winsize ws {};
  if (ioctl(fd, TIOCGWINSZ, &ws) < 0) return env.Null();
  Napi::Object size = Napi::Object::New(env);
  size.Set("rows", Napi::Number::New(env, ws.ws_row));
  size.Set("cols", Napi::Number::New(env, ws.ws_col));
  return size;
}

// setWindowSize(fd, rows, cols): TIOCSWINSZ; the kernel sends SIGWINCH to the terminal's
// foreground process group when the size changes.
Napi::Value SetWindowSize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = -1;
  int64_t rows = 0, cols = 0;
  if (!arg_fd(info, 0, "setWindowSize", "fd", &fd) || !arg_int(info, 1, "setWindowSize", "rows", 0, 65535, &rows) ||
      !arg_int(info, 2, "setWindowSize", "cols", 0, 65535, &cols))
    return env.Undefined();
  struct winsize ws {};
  ws.ws_row = static_cast<unsigned short>(rows);
  ws.ws_col = static_cast<unsigned short>(cols);
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0) return throw_syscall(env, "ioctl TIOCSWINSZ", errno, std::to_string(fd));
  return env.Undefined();
}

// clearOnlcr(fd): the pty stops turning "\n" into "\r\n" on output, as runc sets it: the
// caller's terminal does that itself, and output to a file or pipe keeps plain newlines.
Napi::Value ClearOnlcr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = -1;
  if (!arg_fd(info, 0, "clearOnlcr", "fd", &fd)) return env.Undefined();
  struct termios tio {};
  if (tcgetattr(fd, &tio) < 0) return throw_syscall(env, "tcgetattr", errno, std::to_string(fd));
  tio.c_oflag &= ~static_cast<tcflag_t>(ONLCR);
  if (tcsetattr(fd, TCSANOW, &tio) < 0) return throw_syscall(env, "tcsetattr", errno, std::to_string(fd));
  return env.Undefined();
}

}  // namespace

void register_terminal(Napi::Env env, Napi::Object exports) {
  exports.Set("socketPair", Napi::Function::New(env, SocketPair, "socketPair"));
  exports.Set("recvFd", Napi::Function::New(env, RecvFd, "recvFd"));
  exports.Set("windowSize", Napi::Function::New(env, WindowSize, "windowSize"));
  exports.Set("setWindowSize", Napi::Function::New(env, SetWindowSize, "setWindowSize"));
  exports.Set("clearOnlcr", Napi::Function::New(env, ClearOnlcr, "clearOnlcr"));
}

}  // namespace tsrun

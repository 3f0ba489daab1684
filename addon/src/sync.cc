#include "sync.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace tsrun {
namespace {

int64_t now_ms() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Milliseconds left before `deadline` for poll(); -1 when there is no deadline.
int poll_timeout(int64_t deadline) {
  if (deadline < 0) return -1;
  int64_t left = deadline - now_ms();
  if (left <= 0) return 0;
  return left > 60000 ? 60000 : static_cast<int>(left);
}

// One non-blocking receive of a message, through `receive` (which returns what read(2)
// does): Message, ChildGone (EOF, or the peer reset), or Timeout meaning "nothing yet".
template <typename Receive>
RecvResult try_receive(Receive receive) {
  RecvResult res{RecvStatus::Timeout, 0, {}};
  ssize_t n;
  do {
    n = receive(&res.msg, sizeof res.msg);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof res.msg)) {
    res.msg.detail[kSyncDetailSize - 1] = '\0';
    res.status = RecvStatus::Message;
  } else if (n == 0) {
    res.status = RecvStatus::ChildGone;
  } else if (n > 0) {
    res.status = RecvStatus::Failed;
    res.err = EPROTO;
  } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
    res.status = errno == ECONNRESET ? RecvStatus::ChildGone : RecvStatus::Failed;
    res.err = errno;
  }
  return res;
}

// From the sync socket.
RecvResult try_recv(int sync_fd) {
  return try_receive([sync_fd](SyncMsg* m, size_t len) { return recv(sync_fd, m, len, MSG_DONTWAIT); });
}

// From a fifo opened O_NONBLOCK (EOF: no writer left).
RecvResult try_read(int fd) {
  return try_receive([fd](SyncMsg* m, size_t len) { return read(fd, m, len); });
}

}  // namespace

RecvResult report_recv(int fifo_fd, int pidfd) {
  for (;;) {
    struct pollfd fds[2] = {{fifo_fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
    int n = poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return {RecvStatus::Failed, errno, {}};
    }
    if ((fds[0].revents | fds[1].revents) & POLLNVAL) return {RecvStatus::Failed, EBADF, {}};
    // A message written before the init exited is still there: the reader holds the pipe.
    RecvResult res = try_read(fifo_fd);
    if (res.status != RecvStatus::Timeout) return res;
    if (fds[1].revents != 0) return {RecvStatus::ChildGone, 0, {}};
  }
}

RecvResult sync_recv(int sync_fd, int pidfd, int64_t timeout_ms) {
  int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
  for (;;) {
    struct pollfd fds[2] = {{sync_fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
    int n = poll(fds, 2, poll_timeout(deadline));
    if (n < 0) {
      if (errno == EINTR) continue;
      return {RecvStatus::Failed, errno, {}};
    }
    if ((fds[0].revents | fds[1].revents) & POLLNVAL) return {RecvStatus::Failed, EBADF, {}};
    if (fds[0].revents != 0 || fds[1].revents != 0) {
      RecvResult res = try_recv(sync_fd);
      if (res.status != RecvStatus::Timeout) return res;
      if (fds[1].revents != 0) return {RecvStatus::ChildGone, 0, {}};
      continue;
    }
    if (deadline >= 0 && now_ms() >= deadline) return {RecvStatus::Timeout, ETIMEDOUT, {}};
  }
}

int sync_send(int sync_fd, SyncType type, int64_t arg) {
  SyncMsg m{};
  m.type = static_cast<uint32_t>(type);
  m.index = -1;
  m.arg = arg;
  ssize_t n;
  do {
    n = send(sync_fd, &m, sizeof m, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  return n == static_cast<ssize_t>(sizeof m) ? 0 : -EPROTO;
}

int wait_exit(int pidfd, bool no_hang, ExitInfo* out) {
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int r;
  do {
    r = waitid(P_PIDFD, static_cast<id_t>(pidfd), &si, WEXITED | (no_hang ? WNOHANG : 0));
  } while (r < 0 && errno == EINTR);
  if (r < 0) return -errno;
  if (si.si_pid == 0) {
    *out = {false, -1, 0};
    return 0;
  }
  if (si.si_code == CLD_EXITED) {
    *out = {true, si.si_status, 0};
  } else {
    *out = {true, -1, si.si_status};
  }
  return 0;
}

// The child holds exec.fifo open O_RDWR and blocks reading it. Writing one byte
// releases it; the byte gone from the pipe says it was taken. A child that died has
// no reader left: the open fails with ENXIO.
FifoResult fifo_release(const char* path, int pidfd, int64_t timeout_ms, int* err) {
  int fd;
  do {
    fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENXIO) return FifoResult::ChildGone;
    *err = errno;
    return FifoResult::Failed;
  }
  FifoResult result = FifoResult::Timeout;
  ssize_t n;
  do {
    n = write(fd, "0", 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) {
    close(fd);
    if (n < 0 && errno == EPIPE) return FifoResult::ChildGone;
    *err = n < 0 ? errno : EIO;
    return FifoResult::Failed;
  }
  int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
  for (;;) {
    int queued = 0;
    if (ioctl(fd, FIONREAD, &queued) < 0) {
      *err = errno;
      result = FifoResult::Failed;
      break;
    }
    if (queued == 0) {
      result = FifoResult::Released;
      break;
    }
    // Still there: wait a little, watching for the child's death meanwhile.
    struct pollfd pfd = {pidfd, POLLIN, 0};
    int left = poll_timeout(deadline);
    int r = poll(&pfd, 1, left < 0 || left > 1 ? 1 : left);
    if (r < 0 && errno != EINTR) {
      *err = errno;
      result = FifoResult::Failed;
      break;
    }
    if (r > 0 && (pfd.revents & POLLNVAL)) {
      *err = EBADF;
      result = FifoResult::Failed;
      break;
    }
    if (r > 0) {
      if (ioctl(fd, FIONREAD, &queued) == 0 && queued == 0) {
        result = FifoResult::Released;
      } else {
        result = FifoResult::ChildGone;
      }
      break;
    }
    if (deadline >= 0 && now_ms() >= deadline) {
      *err = ETIMEDOUT;
      break;
    }
  }
  close(fd);
  return result;
}

}  // namespace tsrun

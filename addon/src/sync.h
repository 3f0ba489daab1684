// The runtime's side of the child protocol and of waiting on the child: fixed-size
// SyncMsg records over the SOCK_SEQPACKET pair, always polled together with the
// child's pidfd so a dead child is an answer, never a hang.
#pragma once

#include <stdint.h>

#include "abi.h"

namespace tsrun {

enum class RecvStatus {
  Message,    // `msg` holds the next record
  ChildGone,  // the child exited (or closed its end) with nothing queued
  Timeout,
  Failed,  // `err` holds the errno
};

struct RecvResult {
  RecvStatus status;
  int err;
  SyncMsg msg;
};

// timeout_ms < 0 waits forever. A message already queued wins over the pidfd's
// readiness: the intermediate process sends Pid and exits at once.
RecvResult sync_recv(int sync_fd, int pidfd, int64_t timeout_ms);

// The init's report on the start-hooks fifo (opened O_RDONLY|O_NONBLOCK before the
// exec.fifo byte), waiting as long as its startContainer hooks run; ChildGone when it
// exited without one.
RecvResult report_recv(int fifo_fd, int pidfd);

// 0 or -errno.
int sync_send(int sync_fd, SyncType type, int64_t arg);

struct ExitInfo {
  bool exited;  // false: still running (only with no_hang)
  int code;     // exit code, or -1 when killed
  int signal;   // terminating signal, or 0
};

// waitid(P_PIDFD, WEXITED [| WNOHANG]); 0 or -errno.
int wait_exit(int pidfd, bool no_hang, ExitInfo* out);

enum class FifoResult { Released, ChildGone, Timeout, Failed };

// Opens the fifo for reading without blocking (which lets the child's open for writing
// return), then waits for its byte, polling the pidfd too. `err` set on Failed.
FifoResult fifo_release(const char* path, int pidfd, int64_t timeout_ms, int* err);

}  // namespace tsrun

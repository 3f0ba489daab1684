// The child's side of the sync socket: send a message, wait for one, or report a failed
// step and exit. Header-only and async-signal-safe (raw syscalls, stack buffers).
#pragma once

#include <sys/socket.h>

#include "../abi.h"
#include "child.h"
#include "sys.h"

namespace tsrun {

inline void report_fill_detail(SyncMsg& m, const char* detail) {
  size_t i = 0;
  if (detail != nullptr)
    for (; i + 1 < kSyncDetailSize && detail[i] != '\0'; i++) m.detail[i] = detail[i];
  m.detail[i] = '\0';
}

// The sync socket is read and written with read(2) and write(2), never send/recv: they
// are the calls every seccomp profile allows, and the ladder's last messages travel after
// the user's filter is in (after_filter.h).

// Sends one message; the runtime gone means nobody can act on us any more: exit.
inline void child_send(const Child& c, SyncType type, int64_t arg) {
  SyncMsg m{};
  m.type = static_cast<uint32_t>(type);
  m.index = -1;
  m.arg = arg;
  if (sys::write(c.sync_fd, &m, sizeof m) != static_cast<long>(sizeof m)) sys::exit_group(1);
}

// Sends Error {step, index, errno, detail} and exits 1. `err` may be -errno or errno.
[[noreturn]] inline void fail(const Child& c, ChildStep step, int index, long err, const char* detail) {
  SyncMsg m{};
  m.type = static_cast<uint32_t>(SyncType::Error);
  m.step = static_cast<int32_t>(step);
  m.index = index;
  m.err = static_cast<int32_t>(err < 0 ? -err : err);
  report_fill_detail(m, detail);
  sys::write(c.sync_fd, &m, sizeof m);
  sys::exit_group(1);
}

// Blocks until the runtime sends `expected`. EOF (runtime died) exits quietly; any
// other message is a protocol error reported as step Sync.
inline void child_await(const Child& c, SyncType expected) {
  SyncMsg m{};
  long n = sys::read(c.sync_fd, &m, sizeof m);
  if (n == 0) sys::exit_group(1);
  if (n < 0) fail(c, ChildStep::Sync, -1, n, "recv");
  if (n != static_cast<long>(sizeof m) || m.type != static_cast<uint32_t>(expected))
    fail(c, ChildStep::Sync, -1, EPROTO, "unexpected sync message");
}

}  // namespace tsrun

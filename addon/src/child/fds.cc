// The fds the container's process gets: stdio, then the fds of 3..3+N-1 the caller
// really passed (--preserve-fds, LISTEN_FDS), nothing else. The kernel resolves the
// program, its #! interpreter and its ELF interpreter before close-on-exec applies, so a
// runtime fd merely marked close-on-exec can still be reached through /proc/self/fd at
// execve (CVE-2016-9962, CVE-2024-21626): every other fd is closed for real here, before
// the filter, except the few the last steps need (closed right before execve;
// the start-hooks fifo after the startContainer hooks).
#include <fcntl.h>

#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"

namespace tsrun {
namespace {

bool is_inherited(const ChildPlan& p, int fd) {
  for (uint32_t i = 0; i < p.n_inherit_fds; i++)
    if (p.inherit_fds[i] == fd) return true;
  return false;
}

// Closes every fd in [first, last]: close_range, or on a kernel without it (before 5.9)
// one close(2) at a time up to the highest fd the runtime could hold.
long close_span(const Child& c, unsigned first, unsigned last) {
  if (first > last) return 0;
  long r = sys::close_range(first, last, 0);
  if (r != -ENOSYS) return r;
  for (unsigned fd = first; fd <= last && fd < c.fd_bound; fd++) sys::close(static_cast<int>(fd));
  return 0;
}

}  // namespace

void fds_prepare_exec(const Child& c) {
  const ChildPlan& p = *c.plan;
  const int first_runtime = 3 + p.preserve_fds;
  // Node marks its stdio and the low inherited fds close-on-exec and non-blocking: give
  // the process what the caller handed us. Runtime fds that fell into the preserved range
  // (Node's own, when fewer fds were passed than asked for) are closed.
  for (int fd = 0; fd < first_runtime; fd++) {
    if (fd >= 3 && !is_inherited(p, fd)) {
      sys::close(fd);
      continue;
    }
    sys::fcntl(fd, F_SETFD, 0);
    long fl = sys::fcntl(fd, F_GETFL);
    if (fd < 3 && fl >= 0 && (fl & O_NONBLOCK) != 0) sys::fcntl(fd, F_SETFL, fl & ~static_cast<long>(O_NONBLOCK));
  }
  // Everything from first_runtime on, but the fds still needed (spawn put them all above
  // the preserved range): closed in the gaps between them.
  constexpr int kKeep = 4;
  int keep[kKeep] = {c.sync_fd, p.fifo_fd, c.cwd_fd, p.start_report_fd};
  for (int i = 0; i < kKeep; i++)
    for (int j = i + 1; j < kKeep; j++)
      if (keep[j] < keep[i]) {
        int t = keep[i];
        keep[i] = keep[j];
        keep[j] = t;
      }
  unsigned next = static_cast<unsigned>(first_runtime);
  for (int fd : keep) {
    if (fd < first_runtime) continue;  // -1, or a bug the range loop above already handled
    long r = close_span(c, next, static_cast<unsigned>(fd) - 1);
    if (r < 0) fail(c, ChildStep::Exec, -1, r, "close runtime fds");
    next = static_cast<unsigned>(fd) + 1;
  }
  long r = close_span(c, next, ~0U);
  if (r < 0) fail(c, ChildStep::Exec, -1, r, "close runtime fds");
}

}  // namespace tsrun

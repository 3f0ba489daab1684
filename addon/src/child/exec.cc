// The last steps: open and enter the cwd and find args[0] inside the root while still
// root and before any filter (as runc, a missing program fails `create`); check the user
// may run it; wait on exec.fifo; execve.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"
#include "text.h"

namespace tsrun {
namespace {

using PathBuf = text::Buf<kMaxPathLen + 1>;

void copy_path(char* out, const char* path) {
  size_t i = 0;
  for (; i < kMaxPathLen && path[i] != '\0'; i++) out[i] = path[i];
  out[i] = '\0';
}

// After Ready nobody may be listening on the sync socket: say it on stderr too.
[[noreturn]] void fail_late(const Child& c, ChildStep step, long err, const char* what, int status) {
  SyncMsg m{};
  m.type = static_cast<uint32_t>(SyncType::Error);
  m.step = static_cast<int32_t>(step);
  m.index = -1;
  m.err = static_cast<int32_t>(err < 0 ? -err : err);
  report_fill_detail(m, what);
  if (c.sync_fd >= 0) sys::write(c.sync_fd, &m, sizeof m);
  text::Buf<kMaxPathLen + 64> line;
  line.add("tsrun: ").add(what).add(": errno ").add_i64(m.err).add("\n");
  sys::write(2, line.c_str(), line.size());
  sys::exit_group(status);
}

// `name` as the kernel will resolve it at execve, relative to the cwd, resolved inside
// the root without magic links (a /proc/self/fd/N path cannot reach a runtime fd) and
// checked: a regular file with an execute bit. 0 or -errno; `*found` says whether it
// exists, so that the message can tell "stat X: ..." from a file that cannot run (runc's
// words differ: Go's LookPath fails stat, or says a bare "permission denied").
long check_candidate(const Child& c, const char* name, bool* found) {
  *found = false;
  PathBuf full;
  if (name[0] != '/') full.add(c.plan->cwd).add("/");
  full.add(name);
  if (!full.ok()) return -ENAMETOOLONG;
  long fd = rootfs_resolve(c.root_fd, full.c_str(), O_PATH);
  if (fd < 0) return fd;
  struct stat st {};
  long r = sys::fstatat(static_cast<int>(fd), "", &st, AT_EMPTY_PATH);
  sys::close(static_cast<int>(fd));
  if (r < 0) return r;
  *found = true;
  if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) return -EACCES;
  return 0;
}

}  // namespace

void exec_prepare(Child& c, char* out) {
  const ChildPlan& p = *c.plan;
  // The cwd as root, through the root fd without magic links: a cwd of /proc/self/fd/N
  // must not reach a runtime fd (CVE-2024-21626). A directory root may not enter (root
  // squash, a user namespace) is entered again as the user, as runc does.
  long cwd = rootfs_resolve(c.root_fd, p.cwd, O_PATH | O_DIRECTORY);
  if (cwd < 0) fail(c, ChildStep::Cwd, -1, cwd, p.cwd);
  // Above the preserved range, where fds_prepare_exec leaves it open.
  long lifted = sys::fcntl(static_cast<int>(cwd), F_DUPFD_CLOEXEC, 3 + p.preserve_fds);
  sys::close(static_cast<int>(cwd));
  if (lifted < 0) fail(c, ChildStep::Cwd, -1, lifted, p.cwd);
  c.cwd_fd = static_cast<int>(lifted);
  long r = sys::fchdir(c.cwd_fd);
  if (r < 0 && r != -EACCES && r != -EPERM) fail(c, ChildStep::Cwd, -1, r, p.cwd);
  c.cwd_entered = r == 0;

  out[0] = '\0';
  if (p.argc > 0) {
    const char* name = p.argv[0];
    if (text::contains(name, '/')) {
      bool found = false;
      r = check_candidate(c, name, &found);
      if (r < 0) fail(c, found ? ChildStep::NotExecutable : ChildStep::LookupExec, -1, r, name);
      copy_path(out, name);
    } else {
      r = -ENOENT;
      for (uint32_t i = 0; i < p.n_search_path && r < 0; i++) {
        const char* dir = p.search_path[i];
        PathBuf candidate;
        candidate.add(dir).add("/").add(name);
        if (!candidate.ok()) continue;
        bool found = false;  // one that cannot run is skipped, as Go's LookPath does
        r = check_candidate(c, candidate.c_str(), &found);
        if (r == 0) copy_path(out, candidate.c_str());
      }
      if (r < 0) fail(c, ChildStep::LookupExec, -1, ENOENT, name);
    }
  }
  // Nothing after this resolves a path in the root through it.
  sys::close(c.root_fd);
  c.root_fd = -1;
}

void exec_check_user(Child& c, const char* path) {
  const ChildPlan& p = *c.plan;
  if (!c.cwd_entered) {
    long r = sys::fchdir(c.cwd_fd);
    if (r < 0) fail(c, ChildStep::Cwd, -1, r, p.cwd);
  }
  sys::close(c.cwd_fd);
  c.cwd_fd = -1;
  if (path[0] == '\0') return;
  // Root found it; the user must be allowed to run it (mode, ACLs, a noexec mount). runc
  // finds this out from execve itself: reported as step Exec, in its words.
  long r = sys::faccessat(AT_FDCWD, path, X_OK);
  if (r < 0) fail(c, ChildStep::Exec, -1, r, path);
}

// Blocks until `start` writes a byte into exec.fifo. The fd was opened O_RDWR by the
// runtime: no path is opened here, nothing of the host's tree is reachable from it.
void exec_wait_fifo(const Child& c) {
  int fd = c.plan->fifo_fd;
  if (fd < 0) return;
  char byte = 0;
  long r = sys::read(fd, &byte, 1);
  if (r != 1) fail_late(c, ChildStep::ExecFifo, r < 0 ? r : -EPIPE, "read exec.fifo", 1);
  // Really closed, or no exec: a filter that denies close must not leave it open.
  r = sys::close(fd);
  if (r < 0 && r != -EINTR) fail_late(c, ChildStep::ExecFifo, r, "close exec.fifo", 1);
}

[[noreturn]] void exec_program(const Child& c, const char* path) {
  const ChildPlan& p = *c.plan;
  if (p.argc == 0) sys::exit_group(0);  // created without a process: nothing to run
  // The last runtime fd: from here a failure is reported on stderr only.
  Child after = c;
  after.sync_fd = -1;
  long r = sys::close(c.sync_fd);
  if (r < 0 && r != -EINTR) fail_late(after, ChildStep::Exec, r, "close the sync socket", 1);
  r = sys::execve(path, p.argv, p.envp);
  text::Buf<kMaxPathLen + 64> what;
  what.add("exec ").add(path);
  fail_late(after, ChildStep::Exec, r, what.c_str(), 127);
}

}  // namespace tsrun

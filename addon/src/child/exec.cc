// The last steps: enter cwd, find args[0] (before Ready, as runc), wait on exec.fifo,
// close every runtime fd, execve.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"
#include "text.h"

namespace tsrun {
namespace {

constexpr unsigned kCloseRangeCloexec = 1U << 2;  // linux/close_range.h

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
  sys::send(c.sync_fd, &m, sizeof m, MSG_NOSIGNAL | MSG_DONTWAIT);
  text::Buf<kMaxPathLen + 64> line;
  line.add("tsrun: ").add(what).add(": errno ").add_i64(m.err).add("\n");
  sys::write(2, line.c_str(), line.size());
  sys::exit_group(status);
}

bool is_executable_file(const char* path) {
  struct stat st {};
  if (sys::fstatat(AT_FDCWD, path, &st, 0) < 0 || !S_ISREG(st.st_mode)) return false;
  return sys::faccessat2(AT_FDCWD, path, X_OK, AT_EACCESS) == 0;
}

}  // namespace

void exec_lookup(const Child& c, char* out) {
  const ChildPlan& p = *c.plan;
  // cwd through the root fd, refusing magic links: a cwd of /proc/self/fd/N must not
  // reach a leaked runtime fd (CVE-2024-21626).
  long cwd = rootfs_resolve(c.root_fd, p.cwd, O_PATH | O_DIRECTORY);
  if (cwd < 0) fail(c, ChildStep::Cwd, -1, cwd, p.cwd);
  long r = sys::fchdir(static_cast<int>(cwd));
  if (r < 0) fail(c, ChildStep::Cwd, -1, r, p.cwd);
  sys::close(static_cast<int>(cwd));

  out[0] = '\0';
  if (p.argc == 0) return;
  const char* name = p.argv[0];
  if (text::contains(name, '/')) {
    struct stat st {};
    r = sys::fstatat(AT_FDCWD, name, &st, 0);
    if (r < 0) fail(c, ChildStep::LookupExec, -1, r, name);
    if (S_ISDIR(st.st_mode)) fail(c, ChildStep::LookupExec, -1, EACCES, name);
    r = sys::faccessat2(AT_FDCWD, name, X_OK, AT_EACCESS);
    if (r < 0) fail(c, ChildStep::LookupExec, -1, r, name);
    copy_path(out, name);
    return;
  }
  for (uint32_t i = 0; i < p.n_search_path; i++) {
    const char* dir = p.search_path[i];
    PathBuf candidate;
    // An empty PATH entry means the current directory (as Go's LookPath).
    candidate.add(dir[0] == '\0' ? "." : dir).add("/").add(name);
    if (!candidate.ok()) continue;
    if (is_executable_file(candidate.c_str())) {
      copy_path(out, candidate.c_str());
      return;
    }
  }
  fail(c, ChildStep::LookupExec, -1, ENOENT, name);
}

// Blocks until `start` opens the fifo for reading; the byte tells it we got here.
void exec_wait_fifo(const Child& c) {
  int dir = c.plan->state_dir_fd;
  if (dir < 0) return;
  long fd = sys::openat(dir, "exec.fifo", O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail_late(c, ChildStep::ExecFifo, fd, "open exec.fifo", 1);
  long r = sys::write(static_cast<int>(fd), "0", 1);
  if (r < 0) fail_late(c, ChildStep::ExecFifo, r, "write exec.fifo", 1);
  sys::close(static_cast<int>(fd));
}

[[noreturn]] void exec_program(const Child& c, const char* path) {
  const ChildPlan& p = *c.plan;
  // Every runtime fd above the preserved ones closes at execve, whatever its flags
  // (CVE-2024-21626): callers may hand us fds without O_CLOEXEC.
  long r = sys::close_range(3U + static_cast<unsigned>(p.preserve_fds), ~0U, kCloseRangeCloexec);
  if (r < 0) fail_late(c, ChildStep::Exec, r, "close_range", 1);
  // Node marks its stdio close-on-exec; stdio and the preserved fds must survive execve.
  int keep = 3 + p.preserve_fds;
  for (int fd = 0; fd < keep; fd++) sys::fcntl(fd, F_SETFD, 0);
  // Node sets O_NONBLOCK on shared stdio; programs expect blocking stdio.
  for (int fd = 0; fd < 3; fd++) {
    long fl = sys::fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK) != 0) sys::fcntl(fd, F_SETFL, fl & ~static_cast<long>(O_NONBLOCK));
  }
  if (p.argc == 0) sys::exit_group(0);  // created without a process: nothing to run
  uint64_t none = 0;
  sys::rt_sigprocmask(SIG_SETMASK, &none, nullptr);
  // With no_new_privs the filter goes in last, so execve is the only syscall it must allow.
  if (seccomp_wanted(p, true)) {
    r = seccomp_install(p);
    if (r < 0) fail_late(c, ChildStep::Seccomp, r, "install linux.seccomp filter", 1);
  }
  r = sys::execve(path, p.argv, p.envp);
  text::Buf<kMaxPathLen + 64> what;
  what.add("exec ").add(path);
  fail_late(c, ChildStep::Exec, r, what.c_str(), 127);
}

}  // namespace tsrun

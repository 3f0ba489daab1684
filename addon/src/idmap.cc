// The user namespace of an idmapped mount (MOUNT_ATTR_IDMAP): a waiting child in a new
// user namespace (child/userns_holder.cc), its maps written here as the runtime is root in
// the parent namespace, its /proc/PID/ns/user opened; then the child is released and
// reaped. The namespace lives on through the fd.
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child/child.h"

namespace tsrun {
namespace {

long write_file(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  ssize_t n = write(fd, text.data(), text.size());
  long r = n == static_cast<ssize_t>(text.size()) ? 0 : (n < 0 ? -errno : -EIO);
  close(fd);
  return r;
}

}  // namespace

long idmap_userns(const std::string& uid_map, const std::string& gid_map, const char** op) {
  int pipefd[2];
  *op = "pipe2";
  if (pipe2(pipefd, O_CLOEXEC) < 0) return -errno;
  int pidfd = -1;
  *op = "clone3";
  long pid = spawn_userns_holder(pipefd[0], pipefd[1], &pidfd);
  close(pipefd[0]);
  if (pid < 0) {
    close(pipefd[1]);
    return pid;
  }
  const std::string proc = "/proc/" + std::to_string(pid) + "/";
  long result;
  *op = "write uid_map";
  result = write_file(proc + "uid_map", uid_map);
  if (result == 0) {
    *op = "write gid_map";
    result = write_file(proc + "gid_map", gid_map);
  }
  if (result == 0) {
    *op = "open ns/user";
    int fd = open((proc + "ns/user").c_str(), O_RDONLY | O_CLOEXEC);
    result = fd < 0 ? -errno : fd;
  }
  // Released: it reads EOF and exits; reaped here, its pid is ours alone.
  close(pipefd[1]);
  siginfo_t info{};
  while (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED) < 0 && errno == EINTR) {}
  close(pidfd);
  return result;
}

}  // namespace tsrun

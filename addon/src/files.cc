// The runtime process's calls on files and mounts, for the Node-API surface. Parent side
// only: never run in the child.
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "child/mount_attr.h"
#include "child/sys.h"
#include "idmap.h"
#include "napi_args.h"

namespace tsrun {
namespace {

Napi::Value Mkfifo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  int64_t mode = 0;
  if (!arg_path(info, 0, "mkfifo", "filePath", &path) || !arg_int(info, 1, "mkfifo", "mode", 0, 07777, &mode))
    return env.Undefined();
  if (mkfifo(path.c_str(), static_cast<mode_t>(mode)) < 0) return throw_syscall(env, "mkfifo", errno, path);
  return env.Undefined();
}

Napi::Value OpenWith(const Napi::CallbackInfo& info, const char* fn, int flags) {
  Napi::Env env = info.Env();
  std::string path;
  if (!arg_path(info, 0, fn, "path", &path)) return env.Undefined();
  int fd;
  do {
    fd = open(path.c_str(), flags | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return throw_syscall(env, "open", errno, path);
  return Napi::Number::New(env, fd);
}

Napi::Value OpenReadOnly(const Napi::CallbackInfo& info) { return OpenWith(info, "openReadOnly", O_RDONLY); }

// Errors that mean "the image has no such file we may read" rather than a failure.
bool absent_errno(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case ELOOP:
    case EACCES:
    case EPERM:
    case ENAMETOOLONG:
    case EXDEV:
    case ENXIO:
    case ENODEV:
    case EAGAIN:
      return true;
    default:
      return false;
  }
}

// Closes an fd when the scope ends.
struct FdGuard {
  int fd;
  ~FdGuard() {
    if (fd >= 0) close(fd);
  }
};

// readFileInRoot(rootfs, relativePath, maxBytes): the first maxBytes of a regular file of
// a hostile rootfs, read by the runtime process (not the child). The path is resolved with
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from the rootfs, so no symlink or ".."
// leaves it. It is opened O_PATH first: only a regular file is then opened for reading,
// through this process's own /proc/self/fd, so a FIFO, socket or device node in the image
// is never opened (no blocking, no side effect of a device's open). null when the file is
// absent, unreachable or not a regular file; other failures throw SyscallError.
Napi::Value ReadFileInRoot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "readFileInRoot";
  std::string root, rel;
  int64_t max = 0;
  if (!arg_path(info, 0, fn, "rootfs", &root) || !arg_path(info, 1, fn, "relativePath", &rel) ||
      !arg_int(info, 2, fn, "maxBytes", 0, 16 << 20, &max))
    return env.Undefined();
  const std::string subject = root + " (" + rel + ")";
  FdGuard dir{-1};
  do {
    dir.fd = open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  } while (dir.fd < 0 && errno == EINTR);
  if (dir.fd < 0) return throw_syscall(env, "open", errno, root);

  struct open_how how {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  FdGuard path{-1};
  // EAGAIN: a rename raced with the resolution; the kernel asks for a retry.
  for (int tries = 0; tries < 16; tries++) {
    path.fd = static_cast<int>(syscall(SYS_openat2, dir.fd, rel.c_str(), &how, sizeof how));
    if (path.fd >= 0 || (errno != EINTR && errno != EAGAIN)) break;
  }
  if (path.fd < 0) return absent_errno(errno) ? env.Null() : throw_syscall(env, "openat2", errno, subject);
  struct stat st {};
  if (fstat(path.fd, &st) < 0) return throw_syscall(env, "fstat", errno, subject);
  if (!S_ISREG(st.st_mode)) return env.Null();

  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", path.fd);
  FdGuard file{-1};
  do {
    file.fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  } while (file.fd < 0 && errno == EINTR);
  if (file.fd < 0) return absent_errno(errno) ? env.Null() : throw_syscall(env, "open", errno, subject);
  struct stat again {};
  if (fstat(file.fd, &again) < 0) return throw_syscall(env, "fstat", errno, subject);
  if (again.st_dev != st.st_dev || again.st_ino != st.st_ino) return env.Null();  // not the file we checked

  std::vector<char> buf(static_cast<size_t>(max));
  size_t len = 0;
  while (len < buf.size()) {
    ssize_t n = read(file.fd, buf.data() + len, buf.size() - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return throw_syscall(env, "read", errno, subject);
    if (n == 0) break;
    len += static_cast<size_t>(n);
  }
  return Napi::Buffer<char>::Copy(env, buf.data(), len);
}

Napi::Value ConnectUnix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  if (!arg_path(info, 0, "connectUnix", "socketPath", &path)) return env.Undefined();
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return throw_syscall(env, "connect", ENAMETOOLONG, path);
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_syscall(env, "socket", errno, path);
  int r;
  do {
    r = connect(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    int err = errno;
    close(fd);
    return throw_syscall(env, "connect", err, path);
  }
  return Napi::Number::New(env, fd);
}

// sendFd(sock, data, fd): one message of `data` (a Buffer) with `fd` attached
// (SCM_RIGHTS): the seccomp listener and the container's state to listenerPath.
Napi::Value SendFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = -1, fd = -1;
  if (!arg_fd(info, 0, "sendFd", "sock", &sock) || !arg_fd(info, 2, "sendFd", "fd", &fd)) return env.Undefined();
  if (!info[1].IsBuffer()) {
    Napi::TypeError::New(env, "sendFd: data must be a Buffer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Buffer<char> data = info[1].As<Napi::Buffer<char>>();
  struct iovec iov {};
  iov.iov_base = data.Data();
  iov.iov_len = data.Length();
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
  memcpy(CMSG_DATA(cm), &fd, sizeof fd);
  ssize_t n;
  do {
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return throw_syscall(env, "sendmsg", errno, "");
  // A stream socket may take part of a large message: the fd went with the first byte.
  if (static_cast<size_t>(n) != data.Length()) return throw_syscall(env, "sendmsg", EMSGSIZE, "");
  return env.Undefined();
}

// The idmap argument of openTree: absent (undefined), or {uidMap, gidMap, recursive}.
struct IdmapArg {
  bool present = false;
  std::string uid_map, gid_map;
  bool recursive = false;
};

bool read_idmap_arg(const Napi::CallbackInfo& info, size_t i, IdmapArg* out) {
  if (info.Length() <= i || info[i].IsUndefined()) return true;
  Napi::Env env = info.Env();
  if (!info[i].IsObject()) return throw_type(env, "openTree: idmap must be an object"), false;
  Napi::Object o = info[i].As<Napi::Object>();
  Napi::Value u = o.Get("uidMap"), g = o.Get("gidMap"), r = o.Get("recursive");
  if (!u.IsString() || !g.IsString() || !r.IsBoolean())
    return throw_type(env, "openTree: idmap needs uidMap, gidMap (strings) and recursive (boolean)"), false;
  out->present = true;
  out->uid_map = u.As<Napi::String>().Utf8Value();
  out->gid_map = g.As<Napi::String>().Utf8Value();
  out->recursive = r.As<Napi::Boolean>().Value();
  return true;
}

// A detached copy (open_tree OPEN_TREE_CLONE) of a bind mount's source, made with the
// runtime's view: for a container in a user namespace, or an idmapped mount (mapped
// through a user namespace with the mount's mappings while it is still detached, as
// MOUNT_ATTR_IDMAP requires), its mount flags already set.
Napi::Value OpenTree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  int64_t flags = 0;
  int64_t clear = 0;
  IdmapArg idmap;
  if (!arg_path(info, 0, "openTree", "sourcePath", &path) ||
      !arg_int(info, 2, "openTree", "mountFlags", -1, UINT32_MAX, &flags) ||
      !arg_int(info, 3, "openTree", "clearFlags", 0, UINT32_MAX, &clear) || !read_idmap_arg(info, 4, &idmap))
    return env.Undefined();
  if (!info[1].IsBoolean()) return throw_type(env, "openTree: recursive must be a boolean");
  bool recursive = info[1].As<Napi::Boolean>().Value();
  unsigned how = sys::kOpenTreeClone | O_CLOEXEC | (recursive ? sys::kAtRecursive : 0);
  long fd = sys::open_tree(AT_FDCWD, path.c_str(), how);
  if (fd < 0) return throw_syscall(env, "open_tree", static_cast<int>(-fd), path);
  if (idmap.present) {
    const char* op = "";
    long userns = idmap_userns(idmap.uid_map, idmap.gid_map, &op);
    if (userns < 0) {
      close(static_cast<int>(fd));
      return throw_syscall(env, std::string("idmap user namespace: ") + op, static_cast<int>(-userns), path);
    }
    sys::MountAttr attr{};
    attr.attr_set = sys::kMountAttrIdmap;
    attr.userns_fd = static_cast<uint64_t>(userns);
    long r =
        sys::mount_setattr(static_cast<int>(fd), "", AT_EMPTY_PATH | (idmap.recursive ? sys::kAtRecursive : 0), &attr);
    close(static_cast<int>(userns));
    if (r < 0) {
      close(static_cast<int>(fd));
      return throw_syscall(env, "mount_setattr MOUNT_ATTR_IDMAP", static_cast<int>(-r), path);
    }
  }
  if (flags >= 0) {
    sys::MountAttr attr = attr_from_flags(static_cast<uint64_t>(flags), static_cast<uint64_t>(clear));
    long r = sys::mount_setattr(static_cast<int>(fd), "", AT_EMPTY_PATH, &attr);
    if (r < 0) {
      close(static_cast<int>(fd));
      return throw_syscall(env, "mount_setattr", static_cast<int>(-r), path);
    }
  }
  return Napi::Number::New(env, static_cast<double>(fd));
}

// tryLock(fd, exclusive): flock(fd, LOCK_EX or LOCK_SH | LOCK_NB). true when the lock is
// taken, false when another open file holds a conflicting one; it lasts until every copy
// of the fd is closed. The container's lock (src/state/lock.ts) is its state directory's.
Napi::Value TryLock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = -1;
  if (!arg_fd(info, 0, "tryLock", "fd", &fd)) return env.Undefined();
  if (!info[1].IsBoolean()) return throw_type(env, "tryLock: exclusive must be a boolean");
  int op = (info[1].As<Napi::Boolean>().Value() ? LOCK_EX : LOCK_SH) | LOCK_NB;
  int r;
  do {
    r = flock(fd, op);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return Napi::Boolean::New(env, true);
  if (errno == EWOULDBLOCK) return Napi::Boolean::New(env, false);
  return throw_syscall(env, "flock", errno, std::to_string(fd));
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = -1;
  if (!arg_fd(info, 0, "close", "fd", &fd)) return env.Undefined();
  // Linux closes the fd even when close() reports EINTR: never retry.
  if (close(fd) < 0 && errno != EINTR) return throw_syscall(env, "close", errno, std::to_string(fd));
  return env.Undefined();
}

}  // namespace

void register_files(Napi::Env env, Napi::Object exports) {
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo, "mkfifo"));
  exports.Set("openReadOnly", Napi::Function::New(env, OpenReadOnly, "openReadOnly"));
  exports.Set("readFileInRoot", Napi::Function::New(env, ReadFileInRoot, "readFileInRoot"));
  exports.Set("connectUnix", Napi::Function::New(env, ConnectUnix, "connectUnix"));
  exports.Set("sendFd", Napi::Function::New(env, SendFd, "sendFd"));
  exports.Set("openTree", Napi::Function::New(env, OpenTree, "openTree"));
  exports.Set("tryLock", Napi::Function::New(env, TryLock, "tryLock"));
  exports.Set("close", Napi::Function::New(env, Close, "close"));
}

}  // namespace tsrun

// The Node-API surface (typed in src/sys/native.ts): argument checks with clear
// TypeErrors, conversion, and SyscallError for failing calls. The work lives in
// plan.cc, spawn.cc and sync.cc; readFileInRoot (the runtime process reading a file of
// the image) is here.
#include <napi.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
// glibc 2.36 declares these without extern "C".
extern "C" {
#include <sys/pidfd.h>
}
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "abi.h"
#include "child/mount_attr.h"
#include "child/sys.h"
#include "plan_build.h"
#include "spawn.h"
#include "sync.h"

namespace tsrun {
namespace {

struct AddonData {
  Napi::FunctionReference syscall_error;
};

// Go-style errno text: "operation not permitted".
std::string errno_text(int err) {
  const char* d = strerrordesc_np(err);
  std::string s = d != nullptr ? d : "errno " + std::to_string(err);
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z' && !(s.size() > 1 && s[1] >= 'A' && s[1] <= 'Z'))
    s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

// new SyscallError(op, errno, subject, "<op> <subject>: <reason>"), or a plain Error
// when init() has not registered the class.
Napi::Value syscall_error(Napi::Env env, const std::string& op, int err, const std::string& subject) {
  std::string message = op + (subject.empty() ? "" : " " + subject) + ": " + errno_text(err);
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data == nullptr || data->syscall_error.IsEmpty()) {
    Napi::Error e = Napi::Error::New(env, message);
    e.Set("errno", Napi::Number::New(env, err));
    return e.Value();
  }
  return data->syscall_error.New({Napi::String::New(env, op), Napi::Number::New(env, err),
                                  Napi::String::New(env, subject), Napi::String::New(env, message)});
}

Napi::Value throw_syscall(Napi::Env env, const std::string& op, int err, const std::string& subject) {
  Napi::Value e = syscall_error(env, op, err, subject);
  if (!env.IsExceptionPending()) Napi::Error(env, e).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value throw_type(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

// Argument readers: false (with a TypeError thrown) when the argument is wrong.
bool arg_int(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t lo, int64_t hi,
             int64_t* out) {
  Napi::Value v = info[i];
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : 0.5;
  if (!v.IsNumber() || d != static_cast<double>(static_cast<int64_t>(d)) || d < static_cast<double>(lo) ||
      d > static_cast<double>(hi)) {
    throw_type(info.Env(), std::string(fn) + ": " + name + " must be an integer in [" + std::to_string(lo) + ", " +
                               std::to_string(hi) + "]");
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

bool arg_fd(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int* out) {
  int64_t v = 0;
  if (!arg_int(info, i, fn, name, 0, INT32_MAX, &v)) return false;
  *out = static_cast<int>(v);
  return true;
}

bool arg_timeout(const Napi::CallbackInfo& info, size_t i, const char* fn, int64_t* out) {
  return arg_int(info, i, fn, "timeoutMs", -1, INT32_MAX, out);
}

bool arg_path(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, std::string* out) {
  Napi::Value v = info[i];
  if (!v.IsString()) {
    throw_type(info.Env(), std::string(fn) + ": " + name + " must be a string");
    return false;
  }
  *out = v.As<Napi::String>().Utf8Value();
  if (out->empty() || memchr(out->data(), '\0', out->size()) != nullptr) {
    throw_type(info.Env(), std::string(fn) + ": " + name + " must be a non-empty string without NUL bytes");
    return false;
  }
  return true;
}

Napi::Value exit_object(Napi::Env env, const ExitInfo& e) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("code", Napi::Number::New(env, e.code));
  o.Set("signal", Napi::Number::New(env, e.signal));
  return o;
}

// Every fd the plan names must be open here, or the child would fail far from the cause.
bool check_plan_fds(Napi::Env env, const ChildPlan& p) {
  auto check = [&](int fd, const std::string& where) {
    if (fd < 0 || fcntl(fd, F_GETFD) >= 0) return true;
    throw_syscall(env, "spawn", errno, where);
    return false;
  };
  for (uint32_t i = 0; i < p.n_joins; i++)
    if (!check(p.joins[i].fd, "plan.joins[" + std::to_string(i) + "].fd")) return false;
  for (uint32_t i = 0; i < p.n_mounts; i++)
    if (!check(p.mounts[i].source_tree_fd, "plan.mounts[" + std::to_string(i) + "].sourceTreeFd")) return false;
  return check(p.cgroup_fd, "plan.cgroupFd") && check(p.fifo_fd, "plan.fifoFd") &&
         check(p.console_socket_fd, "plan.consoleSocketFd");
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) return throw_type(env, "init: expected the SyscallError class");
  env.GetInstanceData<AddonData>()->syscall_error = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

Napi::Value Spawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PlanArena arena;
  std::string error;
  if (!plan_build(info[0], &arena, &error)) return throw_type(env, "spawn: " + error);
  if (!check_plan_fds(env, *arena.plan())) return env.Undefined();
  SpawnOut out{};
  const char* op = "spawn";
  int r = spawn_child(arena.mutable_plan(), &out, &op);
  if (r < 0) return throw_syscall(env, op, -r, "");
  Napi::Object o = Napi::Object::New(env);
  o.Set("pid", Napi::Number::New(env, out.pid));
  o.Set("pidfd", Napi::Number::New(env, out.pidfd));
  o.Set("syncFd", Napi::Number::New(env, out.sync_fd));
  return o;
}

Napi::Value SyncRecv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sync_fd = -1, pidfd = -1;
  int64_t timeout = 0;
  if (!arg_fd(info, 0, "syncRecv", "syncFd", &sync_fd) || !arg_fd(info, 1, "syncRecv", "pidfd", &pidfd) ||
      !arg_timeout(info, 2, "syncRecv", &timeout))
    return env.Undefined();
  RecvResult res = sync_recv(sync_fd, pidfd, timeout);
  switch (res.status) {
    case RecvStatus::Timeout: return throw_syscall(env, "recv", ETIMEDOUT, "sync socket");
    case RecvStatus::Failed: return throw_syscall(env, "recv", res.err, "sync socket");
    case RecvStatus::ChildGone:
      res.msg = SyncMsg{};
      res.msg.type = static_cast<uint32_t>(SyncType::Error);
      res.msg.step = static_cast<int32_t>(ChildStep::Sync);
      res.msg.index = -1;
      strcpy(res.msg.detail, "child exited");
      break;
    case RecvStatus::Message: break;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", Napi::Number::New(env, res.msg.type));
  o.Set("step", Napi::Number::New(env, res.msg.step));
  o.Set("index", Napi::Number::New(env, res.msg.index));
  o.Set("errno", Napi::Number::New(env, res.msg.err));
  o.Set("arg", Napi::Number::New(env, static_cast<double>(res.msg.arg)));
  o.Set("detail", Napi::String::New(env, res.msg.detail));
  return o;
}

Napi::Value SyncSend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sync_fd = -1;
  int64_t type = 0, arg = 0;
  if (!arg_fd(info, 0, "syncSend", "syncFd", &sync_fd) ||
      !arg_int(info, 1, "syncSend", "type", static_cast<int64_t>(SyncType::Go),
               static_cast<int64_t>(SyncType::Detached), &type) ||
      !arg_int(info, 2, "syncSend", "arg", -(int64_t{1} << 53), (int64_t{1} << 53), &arg))
    return env.Undefined();
  int r = sync_send(sync_fd, static_cast<SyncType>(type), arg);
  if (r < 0) return throw_syscall(env, "send", -r, "sync socket");
  return env.Undefined();
}

Napi::Value PidfdOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t pid = 0;
  if (!arg_int(info, 0, "pidfdOpen", "pid", 1, INT32_MAX, &pid)) return env.Undefined();
  int fd = pidfd_open(static_cast<pid_t>(pid), 0);
  if (fd < 0) return throw_syscall(env, "pidfd_open", errno, std::to_string(pid));
  return Napi::Number::New(env, fd);
}

Napi::Value PidfdSignal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pidfd = -1;
  int64_t sig = 0;
  if (!arg_fd(info, 0, "pidfdSignal", "pidfd", &pidfd) || !arg_int(info, 1, "pidfdSignal", "signal", 0, 64, &sig))
    return env.Undefined();
  if (pidfd_send_signal(pidfd, static_cast<int>(sig), nullptr, 0) < 0)
    return throw_syscall(env, "pidfd_send_signal", errno, "");
  return env.Undefined();
}

Napi::Value ReapNoHang(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pidfd = -1;
  if (!arg_fd(info, 0, "reapNoHang", "pidfd", &pidfd)) return env.Undefined();
  ExitInfo e{};
  int r = wait_exit(pidfd, true, &e);
  if (r < 0) return throw_syscall(env, "waitid", -r, "");
  if (!e.exited) return env.Null();
  return exit_object(env, e);
}

// waitid(P_PIDFD, WEXITED) on a libuv worker thread; settles a promise.
class ReapWorker : public Napi::AsyncWorker {
 public:
  ReapWorker(Napi::Env env, int pidfd)
      : Napi::AsyncWorker(env, "tsrun.reap"), pidfd_(pidfd), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override { result_ = wait_exit(pidfd_, false, &exit_); }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (result_ < 0) {
      deferred_.Reject(syscall_error(env, "waitid", -result_, ""));
    } else {
      deferred_.Resolve(exit_object(env, exit_));
    }
  }

 private:
  int pidfd_;
  int result_ = 0;
  ExitInfo exit_{};
  Napi::Promise::Deferred deferred_;
};

Napi::Value Reap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pidfd = -1;
  if (!arg_fd(info, 0, "reap", "pidfd", &pidfd)) return env.Undefined();
  auto* worker = new ReapWorker(env, pidfd);
  Napi::Promise p = worker->promise();
  worker->Queue();
  return p;
}

Napi::Value Mkfifo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  int64_t mode = 0;
  if (!arg_path(info, 0, "mkfifo", "filePath", &path) || !arg_int(info, 1, "mkfifo", "mode", 0, 07777, &mode))
    return env.Undefined();
  if (mkfifo(path.c_str(), static_cast<mode_t>(mode)) < 0) return throw_syscall(env, "mkfifo", errno, path);
  return env.Undefined();
}

Napi::Value ReleaseFifo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  int pidfd = -1;
  int64_t timeout = 0;
  if (!arg_path(info, 0, "releaseFifo", "fifoPath", &path) || !arg_fd(info, 1, "releaseFifo", "pidfd", &pidfd) ||
      !arg_timeout(info, 2, "releaseFifo", &timeout))
    return env.Undefined();
  int err = 0;
  switch (fifo_release(path.c_str(), pidfd, timeout, &err)) {
    case FifoResult::Released: return Napi::Boolean::New(env, true);
    case FifoResult::ChildGone: return Napi::Boolean::New(env, false);
    case FifoResult::Timeout: return throw_syscall(env, "read", ETIMEDOUT, path);
    case FifoResult::Failed: break;
  }
  return throw_syscall(env, "open", err, path);
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

Napi::Value OpenPathDir(const Napi::CallbackInfo& info) { return OpenWith(info, "openPathDir", O_PATH | O_DIRECTORY); }
Napi::Value OpenReadOnly(const Napi::CallbackInfo& info) { return OpenWith(info, "openReadOnly", O_RDONLY); }

// Errors that mean "the image has no such file we may read" rather than a failure.
bool absent_errno(int err) {
  switch (err) {
    case ENOENT: case ENOTDIR: case ELOOP: case EACCES: case EPERM: case ENAMETOOLONG:
    case EXDEV: case ENXIO: case ENODEV: case EAGAIN:
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

// A detached copy (open_tree OPEN_TREE_CLONE) of a bind mount's source, made with the
// runtime's view for a container in a user namespace, its mount flags already set.
Napi::Value OpenTree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  int64_t flags = 0;
  if (!arg_path(info, 0, "openTree", "sourcePath", &path) || !arg_int(info, 2, "openTree", "mountFlags", -1, UINT32_MAX, &flags))
    return env.Undefined();
  if (!info[1].IsBoolean()) return throw_type(env, "openTree: recursive must be a boolean");
  bool recursive = info[1].As<Napi::Boolean>().Value();
  unsigned how = sys::kOpenTreeClone | O_CLOEXEC | (recursive ? sys::kAtRecursive : 0);
  long fd = sys::open_tree(AT_FDCWD, path.c_str(), how);
  if (fd < 0) return throw_syscall(env, "open_tree", static_cast<int>(-fd), path);
  if (flags >= 0) {
    sys::MountAttr attr = attr_from_flags(static_cast<uint64_t>(flags));
    long r = sys::mount_setattr(static_cast<int>(fd), "", AT_EMPTY_PATH, &attr);
    if (r < 0) {
      close(static_cast<int>(fd));
      return throw_syscall(env, "mount_setattr", static_cast<int>(-r), path);
    }
  }
  return Napi::Number::New(env, static_cast<double>(fd));
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = -1;
  if (!arg_fd(info, 0, "close", "fd", &fd)) return env.Undefined();
  // Linux closes the fd even when close() reports EINTR: never retry.
  if (close(fd) < 0 && errno != EINTR) return throw_syscall(env, "close", errno, std::to_string(fd));
  return env.Undefined();
}

Napi::Object Constants(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
#define TSRUN_EXPORT_SYNC(name, value) o.Set("SyncType_" #name, Napi::Number::New(env, value));
#define TSRUN_EXPORT_STEP(name, value) o.Set("ChildStep_" #name, Napi::Number::New(env, value));
  TSRUN_SYNC_TYPES(TSRUN_EXPORT_SYNC)
  TSRUN_CHILD_STEPS(TSRUN_EXPORT_STEP)
#undef TSRUN_EXPORT_SYNC
#undef TSRUN_EXPORT_STEP
  o.Set("SyncMessageSize", Napi::Number::New(env, static_cast<double>(sizeof(SyncMsg))));
  o.Freeze();
  return o;
}

Napi::Object Register(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonData());
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("spawn", Napi::Function::New(env, Spawn, "spawn"));
  exports.Set("syncRecv", Napi::Function::New(env, SyncRecv, "syncRecv"));
  exports.Set("syncSend", Napi::Function::New(env, SyncSend, "syncSend"));
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen, "pidfdOpen"));
  exports.Set("pidfdSignal", Napi::Function::New(env, PidfdSignal, "pidfdSignal"));
  exports.Set("reapNoHang", Napi::Function::New(env, ReapNoHang, "reapNoHang"));
  exports.Set("reap", Napi::Function::New(env, Reap, "reap"));
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo, "mkfifo"));
  exports.Set("releaseFifo", Napi::Function::New(env, ReleaseFifo, "releaseFifo"));
  exports.Set("openPathDir", Napi::Function::New(env, OpenPathDir, "openPathDir"));
  exports.Set("openReadOnly", Napi::Function::New(env, OpenReadOnly, "openReadOnly"));
  exports.Set("connectUnix", Napi::Function::New(env, ConnectUnix, "connectUnix"));
  exports.Set("openTree", Napi::Function::New(env, OpenTree, "openTree"));
  exports.Set("readFileInRoot", Napi::Function::New(env, ReadFileInRoot, "readFileInRoot"));
  exports.Set("close", Napi::Function::New(env, Close, "close"));
  exports.Set("constants", Constants(env));
  return exports;
}

}  // namespace
}  // namespace tsrun

static Napi::Object RegisterTsrun(Napi::Env env, Napi::Object exports) { return tsrun::Register(env, exports); }

NODE_API_MODULE(tsrun, RegisterTsrun)

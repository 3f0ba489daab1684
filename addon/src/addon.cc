// The Node-API surface (typed in src/sys/native.ts): spawning the child, the sync ladder,
// pidfds. The work lives in plan.cc, spawn.cc and sync.cc; files.cc has the calls on
// files and mounts, napi_args.* the argument readers and SyscallError.
#include <napi.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
// glibc 2.36 declares these without extern "C".
extern "C" {
#include <sys/pidfd.h>
#include <sys/syscall.h>
}
#include <unistd.h>

#include <string>

#include "abi.h"
#include "files.h"
#include "napi_args.h"
#include "netlink.h"
#include "plan_build.h"
#include "plan_echo.h"
#include "spawn.h"
#include "sync.h"
#include "terminal.h"

namespace tsrun {
namespace {

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
  return check(p.cgroup_fd, "plan.cgroupFd") && check(p.root_fd, "plan.rootFd") && check(p.fifo_fd, "plan.fifoFd") &&
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

// The plan as the child would see it, read back (test/unit/plan-contract.test.ts): the
// same plan_build as spawn, then nothing is cloned.
Napi::Value PlanEcho(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PlanArena arena;
  std::string error;
  if (!plan_build(info[0], &arena, &error)) return throw_type(env, "planEcho: " + error);
  return plan_echo(env, *arena.plan());
}

Napi::Object message_object(Napi::Env env, const SyncMsg& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", Napi::Number::New(env, m.type));
  o.Set("step", Napi::Number::New(env, m.step));
  o.Set("index", Napi::Number::New(env, m.index));
  o.Set("errno", Napi::Number::New(env, m.err));
  o.Set("arg", Napi::Number::New(env, static_cast<double>(m.arg)));
  o.Set("detail", Napi::String::New(env, m.detail));
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
    case RecvStatus::Timeout:
      return throw_syscall(env, "recv", ETIMEDOUT, "sync socket");
    case RecvStatus::Failed:
      return throw_syscall(env, "recv", res.err, "sync socket");
    case RecvStatus::ChildGone:
      res.msg = SyncMsg{};
      res.msg.type = static_cast<uint32_t>(SyncType::Error);
      res.msg.step = static_cast<int32_t>(ChildStep::Sync);
      res.msg.index = -1;
      strcpy(res.msg.detail, "child exited");
      break;
    case RecvStatus::Message:
      break;
  }
  return message_object(env, res.msg);
}

Napi::Value SyncSend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sync_fd = -1;
  int64_t type = 0, arg = 0;
  if (!arg_fd(info, 0, "syncSend", "syncFd", &sync_fd) ||
      !arg_int(info, 1, "syncSend", "type", static_cast<int64_t>(SyncType::Go),
               static_cast<int64_t>(SyncType::TimeOffsetsDone), &type) ||
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

// pidfdGetFd(pidfd, targetFd): a copy of fd `targetFd` of the process (the seccomp
// listener the child reports), CLOEXEC as pidfd_getfd always makes it.
Napi::Value PidfdGetFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pidfd = -1;
  int64_t target = 0;
  if (!arg_fd(info, 0, "pidfdGetFd", "pidfd", &pidfd) ||
      !arg_int(info, 1, "pidfdGetFd", "targetFd", 0, INT32_MAX, &target))
    return env.Undefined();
  long fd = syscall(SYS_pidfd_getfd, pidfd, static_cast<int>(target), 0);
  if (fd < 0) return throw_syscall(env, "pidfd_getfd", errno, std::to_string(target));
  return Napi::Number::New(env, static_cast<double>(fd));
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

// How the init's startContainer hooks went: the message, or null when it exited without one.
Napi::Value AwaitStartHooks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fifo_fd = -1, pidfd = -1;
  if (!arg_fd(info, 0, "awaitStartHooks", "fifoFd", &fifo_fd) || !arg_fd(info, 1, "awaitStartHooks", "pidfd", &pidfd))
    return env.Undefined();
  RecvResult res = report_recv(fifo_fd, pidfd);
  if (res.status == RecvStatus::Failed) return throw_syscall(env, "read", res.err, "start-hooks fifo");
  if (res.status != RecvStatus::Message) return env.Null();
  return message_object(env, res.msg);
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
    case FifoResult::Released:
      return Napi::Boolean::New(env, true);
    case FifoResult::ChildGone:
      return Napi::Boolean::New(env, false);
    case FifoResult::Timeout:
      return throw_syscall(env, "read", ETIMEDOUT, path);
    case FifoResult::Failed:
      break;
  }
  return throw_syscall(env, "open", err, path);
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
  exports.Set("planEcho", Napi::Function::New(env, PlanEcho, "planEcho"));
  exports.Set("syncRecv", Napi::Function::New(env, SyncRecv, "syncRecv"));
  exports.Set("syncSend", Napi::Function::New(env, SyncSend, "syncSend"));
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen, "pidfdOpen"));
  exports.Set("pidfdGetFd", Napi::Function::New(env, PidfdGetFd, "pidfdGetFd"));
  exports.Set("pidfdSignal", Napi::Function::New(env, PidfdSignal, "pidfdSignal"));
  exports.Set("reapNoHang", Napi::Function::New(env, ReapNoHang, "reapNoHang"));
  exports.Set("reap", Napi::Function::New(env, Reap, "reap"));
  exports.Set("releaseFifo", Napi::Function::New(env, ReleaseFifo, "releaseFifo"));
  exports.Set("awaitStartHooks", Napi::Function::New(env, AwaitStartHooks, "awaitStartHooks"));
  register_files(env, exports);
  register_netlink(env, exports);
  register_terminal(env, exports);
  exports.Set("constants", Constants(env));
  return exports;
}

}  // namespace
}  // namespace tsrun

static Napi::Object RegisterTsrun(Napi::Env env, Napi::Object exports) { return tsrun::Register(env, exports); }

NODE_API_MODULE(tsrun, RegisterTsrun)

// ChildPlan -> JS InitPlan, the reverse of plan_build, for the contract test. Every struct
// is taken apart with a structured binding, which must name each member: a member added
// to plan.h without being echoed here is a compile error, and an echoed key that
// src/plan/types.ts does not have fails the test. Order matters: the names follow plan.h.
#include "plan_echo.h"

#include <stdint.h>
#include <string.h>

namespace tsrun {
namespace {

class Echo {
 public:
  explicit Echo(Napi::Env env) : env_(env) {}

  Napi::Value num(double v) { return Napi::Number::New(env_, v); }
  Napi::Value big(uint64_t v) { return Napi::BigInt::New(env_, v); }
  Napi::Value flag(bool v) { return Napi::Boolean::New(env_, v); }
  Napi::Env env() const { return env_; }
  // The reader keeps "" as nullptr for the optional mount strings.
  Napi::Value str(const char* s) { return Napi::String::New(env_, s ? s : ""); }
  Napi::Value opt_str(const char* s) { return s ? Napi::Value(Napi::String::New(env_, s)) : env_.Null(); }

  template <typename T>
  Napi::Array nums(const T* v, uint32_t n) {
    Napi::Array a = Napi::Array::New(env_, n);
    for (uint32_t i = 0; i < n; i++) a.Set(i, num(static_cast<double>(v[i])));
    return a;
  }
  Napi::Array strs(const char* const* v, uint32_t n) {
    Napi::Array a = Napi::Array::New(env_, n);
    for (uint32_t i = 0; i < n; i++) a.Set(i, str(v[i]));
    return a;
  }
  // A NULL-terminated array (envp has no count).
  Napi::Array strs(const char* const* v) {
    uint32_t n = 0;
    while (v[n] != nullptr) n++;
    return strs(v, n);
  }
  template <typename T, typename Fn>
  Napi::Array objects(const T* v, uint32_t n, Fn fn) {
    Napi::Array a = Napi::Array::New(env_, n);
    for (uint32_t i = 0; i < n; i++) a.Set(i, fn(v[i]));
    return a;
  }
  Napi::Object object() { return Napi::Object::New(env_); }
  Napi::Value null() { return env_.Null(); }

 private:
  Napi::Env env_;
};

Napi::Object join(Echo& e, const NsJoin& j) {
  const auto& [type, fd, index] = j;
  Napi::Object o = e.object();
  o.Set("type", e.num(type));
  o.Set("fd", e.num(fd));
  o.Set("index", e.num(index));
  return o;
}

Napi::Object mount(Echo& e, const MountPlan& m) {
  const auto& [index, source, destination, fstype, data, flags, remount_flags, clear_flags, recursive_attr_set,
               recursive_attr_clr, copy_up, idmapped, propagation, n_propagation, target_is_file, source_is_path,
               source_tree_fd] = m;
  Napi::Object o = e.object();
  o.Set("index", e.num(index));
  o.Set("source", e.str(source));
  o.Set("destination", e.str(destination));
  o.Set("fstype", e.str(fstype));
  o.Set("flags", e.num(static_cast<double>(flags)));
  o.Set("data", e.str(data));
  o.Set("remountFlags", e.num(static_cast<double>(remount_flags)));
  o.Set("clearFlags", e.num(static_cast<double>(clear_flags)));
  o.Set("recursiveAttrSet", e.num(static_cast<double>(recursive_attr_set)));
  o.Set("recursiveAttrClr", e.num(static_cast<double>(recursive_attr_clr)));
  o.Set("copyUp", e.flag(copy_up));
  o.Set("idmapped", e.flag(idmapped));
  o.Set("propagation", e.nums(propagation, n_propagation));
  o.Set("targetKind", e.num(target_is_file ? 1 : 0));  // MountTargetKind
  o.Set("sourceIsPath", e.flag(source_is_path));
  o.Set("sourceTreeFd", e.num(source_tree_fd));
  return o;
}

Napi::Object symlink(Echo& e, const SymlinkPlan& s) {
  const auto& [target, link_path] = s;
  Napi::Object o = e.object();
  o.Set("target", e.str(target));
  o.Set("linkPath", e.str(link_path));
  return o;
}

Napi::Object device(Echo& e, const DevicePlan& d) {
  const auto& [index, path, file_type, major, minor, mode, uid, gid, bind_from_host] = d;
  Napi::Object o = e.object();
  o.Set("index", e.num(index));
  o.Set("path", e.str(path));
  o.Set("fileType", e.num(file_type));
  o.Set("major", e.num(major));
  o.Set("minor", e.num(minor));
  o.Set("mode", e.num(mode));
  o.Set("uid", e.num(uid));
  o.Set("gid", e.num(gid));
  o.Set("bindFromHost", e.flag(bind_from_host));
  return o;
}

Napi::Object rlimit(Echo& e, const RlimitPlan& r) {
  const auto& [resource, index, soft, hard] = r;
  Napi::Object o = e.object();
  o.Set("resource", e.num(resource));
  o.Set("soft", e.big(soft));
  o.Set("hard", e.big(hard));
  o.Set("index", e.num(index));
  return o;
}

Napi::Object sysctl(Echo& e, const SysctlPlan& s) {
  const auto& [path, value, key] = s;
  Napi::Object o = e.object();
  o.Set("path", e.str(path));
  o.Set("value", e.str(value));
  o.Set("key", e.str(key));
  return o;
}

Napi::Value capabilities(Echo& e, bool has, const CapsPlan& c) {
  if (!has) return e.null();
  const auto& [bounding, effective, permitted, inheritable, ambient] = c;
  Napi::Object o = e.object();
  o.Set("bounding", e.big(bounding));
  o.Set("effective", e.big(effective));
  o.Set("permitted", e.big(permitted));
  o.Set("inheritable", e.big(inheritable));
  o.Set("ambient", e.big(ambient));
  return o;
}

Napi::Value scheduler_echo(Echo& e, bool has, const SchedulerPlan& s) {
  if (!has) return e.null();
  const auto& [policy, flags, nice, priority, runtime, deadline, period] = s;
  Napi::Object o = e.object();
  o.Set("policy", e.num(policy));
  o.Set("flags", e.num(static_cast<double>(flags)));
  o.Set("nice", e.num(nice));
  o.Set("priority", e.num(priority));
  o.Set("runtime", e.big(runtime));
  o.Set("deadline", e.big(deadline));
  o.Set("period", e.big(period));
  return o;
}

Napi::Value cpu_mask(Echo& e, const CpuMaskPlan& m) {
  const auto& [bytes, size] = m;
  if (bytes == nullptr) return e.null();
  Napi::Uint8Array a = Napi::Uint8Array::New(e.env(), size);
  memcpy(a.Data(), bytes, size);
  return a;
}

Napi::Value hook_set(Echo& e, const HookSetPlan& s) {
  const auto& [hooks, n_hooks, state_prefix, state_suffix] = s;
  if (state_prefix == nullptr) return e.null();
  Napi::Object o = e.object();
  o.Set("hooks", e.objects(hooks, n_hooks, [&](const HookPlan& h) {
    const auto& [index, path, argv, argc, envp, timeout_ms] = h;
    Napi::Object ho = e.object();
    ho.Set("index", e.num(index));
    ho.Set("path", e.str(path));
    ho.Set("args", e.strs(argv, argc));
    ho.Set("env", envp ? Napi::Value(e.strs(envp)) : e.null());
    ho.Set("timeoutMs", e.num(static_cast<double>(timeout_ms)));
    return ho;
  }));
  o.Set("statePrefix", e.str(state_prefix));
  o.Set("stateSuffix", e.str(state_suffix));
  return o;
}

}  // namespace

Napi::Object plan_echo(Napi::Env env, const ChildPlan& p) {
  Echo e(env);
  const auto& [joins, n_joins, new_namespaces, has_user_mappings, has_time_offsets, cgroup_fd, root_fd, rootfs,
               root_propagation, rootfs_propagation, root_readonly, no_pivot, mounts, n_mounts, devices, n_devices,
               symlinks, n_symlinks, masked_paths, n_masked_paths, readonly_paths, n_readonly_paths, sysctls, n_sysctls,
               hostname, domainname, session_keyring, session_keyring_perm, rlimits, n_rlimits, uid, gid,
               additional_gids, n_additional_gids, umask, has_capabilities, caps, no_new_privileges, seccomp_filter,
               seccomp_insns, seccomp_flags, has_scheduler, scheduler, io_priority, personality, affinity_initial,
               affinity_final, has_memory_policy, memory_policy_mode, memory_policy_nodes, cwd, argv, argc, envp,
               search_path, n_search_path, fifo_fd, console_socket_fd, console_rows, console_cols, preserve_fds,
               inherit_fds, n_inherit_fds, create_container_hooks, start_container_hooks, start_report_fd] = p;
  Napi::Object o = e.object();
  o.Set("joins", e.objects(joins, n_joins, [&](const NsJoin& j) { return join(e, j); }));
  o.Set("newNamespaces", e.num(static_cast<double>(new_namespaces)));
  o.Set("hasUserMappings", e.flag(has_user_mappings));
  o.Set("hasTimeOffsets", e.flag(has_time_offsets));
  o.Set("cgroupFd", e.num(cgroup_fd));
  o.Set("rootFd", e.num(root_fd));
  o.Set("rootfs", e.str(rootfs));
  o.Set("rootPropagation", e.num(static_cast<double>(root_propagation)));
  o.Set("rootfsPropagation", e.num(static_cast<double>(rootfs_propagation)));
  o.Set("rootReadonly", e.flag(root_readonly));
  o.Set("noPivot", e.flag(no_pivot));
  o.Set("mounts", e.objects(mounts, n_mounts, [&](const MountPlan& m) { return mount(e, m); }));
  o.Set("devices", e.objects(devices, n_devices, [&](const DevicePlan& d) { return device(e, d); }));
  o.Set("symlinks", e.objects(symlinks, n_symlinks, [&](const SymlinkPlan& s) { return symlink(e, s); }));
  o.Set("maskedPaths", e.strs(masked_paths, n_masked_paths));
  o.Set("readonlyPaths", e.strs(readonly_paths, n_readonly_paths));
  o.Set("sysctls", e.objects(sysctls, n_sysctls, [&](const SysctlPlan& s) { return sysctl(e, s); }));
  o.Set("hostname", e.opt_str(hostname));
  o.Set("domainname", e.opt_str(domainname));
  o.Set("sessionKeyring", e.opt_str(session_keyring));
  o.Set("sessionKeyringPerm", e.num(session_keyring_perm));
  o.Set("rlimits", e.objects(rlimits, n_rlimits, [&](const RlimitPlan& r) { return rlimit(e, r); }));
  o.Set("uid", e.num(uid));
  o.Set("gid", e.num(gid));
  o.Set("additionalGids", e.nums(additional_gids, n_additional_gids));
  o.Set("umask", e.num(umask));
  o.Set("capabilities", capabilities(e, has_capabilities, caps));
  o.Set("noNewPrivileges", e.flag(no_new_privileges));
  if (seccomp_filter == nullptr) {
    o.Set("seccomp", e.null());
  } else {
    Napi::Uint8Array filter = Napi::Uint8Array::New(env, size_t{seccomp_insns} * 8);
    memcpy(filter.Data(), seccomp_filter, filter.ByteLength());
    Napi::Object s = e.object();
    s.Set("filter", filter);
    s.Set("flags", e.num(seccomp_flags));
    o.Set("seccomp", s);
  }
  o.Set("scheduler", scheduler_echo(e, has_scheduler, scheduler));
  o.Set("ioPriority", e.num(io_priority));
  o.Set("personality", e.num(static_cast<double>(personality)));
  o.Set("cpuAffinityInitial", cpu_mask(e, affinity_initial));
  o.Set("cpuAffinityFinal", cpu_mask(e, affinity_final));
  if (!has_memory_policy) {
    o.Set("memoryPolicy", e.null());
  } else {
    Napi::Object m = e.object();
    m.Set("mode", e.num(memory_policy_mode));
    Napi::Array nodes = Napi::Array::New(env);
    for (uint32_t n = 0; n < kMaxNumaNodes; n++)
      if (memory_policy_nodes[n / 64] & (uint64_t{1} << (n % 64))) nodes.Set(nodes.Length(), e.num(n));
    m.Set("nodes", nodes);
    o.Set("memoryPolicy", m);
  }
  o.Set("cwd", e.str(cwd));
  o.Set("args", e.strs(argv, argc));
  o.Set("env", e.strs(envp));
  o.Set("searchPath", e.strs(search_path, n_search_path));
  o.Set("fifoFd", e.num(fifo_fd));
  o.Set("consoleSocketFd", e.num(console_socket_fd));
  o.Set("consoleRows", e.num(console_rows));
  o.Set("consoleCols", e.num(console_cols));
  o.Set("preserveFds", e.num(preserve_fds));
  o.Set("inheritFds", e.nums(inherit_fds, n_inherit_fds));
  o.Set("createContainerHooks", hook_set(e, create_container_hooks));
  o.Set("startContainerHooks", hook_set(e, start_container_hooks));
  o.Set("startReportFd", e.num(start_report_fd));
  return o;
}

}  // namespace tsrun

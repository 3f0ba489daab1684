// Lays a checked Draft out in one heap block (measured first, then filled by the same
// code), so the child after clone3 sees plain pointers and never allocates.
#include <stdlib.h>
#include <string.h>

#include "plan_draft.h"
#include "plan_layout.h"

namespace tsrun {

namespace {

HookSetPlan lay_out_hooks(const HookSetDraft& d, Layout& l) {
  HookSetPlan set{};
  if (!d.present) return set;
  HookPlan* hooks = l.alloc<HookPlan>(d.hooks.size());
  for (size_t i = 0; i < d.hooks.size(); i++) {
    const HookDraft& hd = d.hooks[i];
    HookPlan h{};
    h.index = hd.index;
    h.path = l.str(hd.path);
    h.argv = l.str_array(hd.args);
    h.argc = static_cast<uint32_t>(hd.args.size());
    h.envp = hd.has_env ? l.str_array(hd.env) : nullptr;
    h.timeout_ms = hd.timeout_ms;
    if (hooks) hooks[i] = h;
  }
  set.hooks = hooks;
  set.n_hooks = static_cast<uint32_t>(d.hooks.size());
  set.state_prefix = l.str(d.state_prefix);
  set.state_suffix = l.str(d.state_suffix);
  return set;
}

}  // namespace

// Lays out the draft; with a measuring Layout all stores are skipped.
ChildPlan* lay_out(const Draft& d, Layout& l) {
  ChildPlan* p = l.alloc<ChildPlan>(1);
  ChildPlan c{};
  c.joins = l.copy(d.joins);
  c.n_joins = static_cast<uint32_t>(d.joins.size());
  c.new_namespaces = d.new_namespaces;
  c.has_user_mappings = d.has_user_mappings;
  c.has_time_offsets = d.has_time_offsets;
  c.cgroup_fd = d.cgroup_fd;
  c.root_fd = d.root_fd;
  c.rootfs = l.str(d.rootfs);
  c.root_propagation = d.root_propagation;
  c.rootfs_propagation = d.rootfs_propagation;
  c.root_readonly = d.root_readonly;
  c.no_pivot = d.no_pivot;

  MountPlan* mounts = l.alloc<MountPlan>(d.mounts.size());
  for (size_t i = 0; i < d.mounts.size(); i++) {
    const MountDraft& md = d.mounts[i];
    MountPlan m{};
    m.index = md.index;
    m.source = l.opt_str(md.source);
    m.destination = l.str(md.destination);
    m.fstype = l.opt_str(md.fstype);
    m.data = l.opt_str(md.data);
    m.flags = md.flags;
    m.remount_flags = md.remount_flags;
    m.clear_flags = md.clear_flags;
    m.recursive_attr_set = md.recursive_attr_set;
    m.recursive_attr_clr = md.recursive_attr_clr;
    m.copy_up = md.copy_up;
    m.idmapped = md.idmapped;
    m.propagation = l.copy(md.propagation);
    m.n_propagation = static_cast<uint32_t>(md.propagation.size());
    m.target_is_file = md.target_is_file;
    m.source_is_path = md.source_is_path;
    m.source_tree_fd = md.source_tree_fd;
    if (mounts) mounts[i] = m;
  }
  c.mounts = mounts;
  c.n_mounts = static_cast<uint32_t>(d.mounts.size());

  DevicePlan* devices = l.alloc<DevicePlan>(d.devices.size());
  for (size_t i = 0; i < d.devices.size(); i++) {
    DevicePlan dv = d.devices[i].d;
    dv.path = l.str(d.devices[i].path);
    if (devices) devices[i] = dv;
  }
  c.devices = devices;
  c.n_devices = static_cast<uint32_t>(d.devices.size());

  SymlinkPlan* symlinks = l.alloc<SymlinkPlan>(d.symlinks.size());
  for (size_t i = 0; i < d.symlinks.size(); i++) {
    SymlinkPlan s{l.str(d.symlinks[i].first), l.str(d.symlinks[i].second)};
    if (symlinks) symlinks[i] = s;
  }
  c.symlinks = symlinks;
  c.n_symlinks = static_cast<uint32_t>(d.symlinks.size());

  c.masked_paths = l.str_array(d.masked_paths);
  c.n_masked_paths = static_cast<uint32_t>(d.masked_paths.size());
  c.readonly_paths = l.str_array(d.readonly_paths);
  c.n_readonly_paths = static_cast<uint32_t>(d.readonly_paths.size());

  SysctlPlan* sysctls = l.alloc<SysctlPlan>(d.sysctls.size());
  for (size_t i = 0; i < d.sysctls.size(); i++) {
    SysctlPlan s{l.str(d.sysctls[i].path), l.str(d.sysctls[i].value), l.str(d.sysctls[i].key)};
    if (sysctls) sysctls[i] = s;
  }
  c.sysctls = sysctls;
  c.n_sysctls = static_cast<uint32_t>(d.sysctls.size());
  c.hostname = d.has_hostname ? l.str(d.hostname) : nullptr;
  c.domainname = d.has_domainname ? l.str(d.domainname) : nullptr;
  c.session_keyring = d.has_session_keyring ? l.str(d.session_keyring) : nullptr;
  c.session_keyring_perm = d.session_keyring_perm;

  c.rlimits = l.copy(d.rlimits);
  c.n_rlimits = static_cast<uint32_t>(d.rlimits.size());
  c.uid = d.uid;
  c.gid = d.gid;
  c.additional_gids = l.copy(d.additional_gids);
  c.n_additional_gids = static_cast<uint32_t>(d.additional_gids.size());
  c.umask = d.umask;
  c.has_capabilities = d.has_capabilities;
  c.capabilities = d.caps;
  c.no_new_privileges = d.no_new_privileges;
  c.seccomp_filter = d.seccomp_filter.empty() ? nullptr : l.copy(d.seccomp_filter);
  c.seccomp_insns = static_cast<uint32_t>(d.seccomp_filter.size() / 8);
  c.seccomp_flags = d.seccomp_flags;
  c.has_scheduler = d.has_scheduler;
  c.scheduler = d.scheduler;
  c.io_priority = d.io_priority;
  c.personality = d.personality;
  c.affinity_initial = {d.affinity_initial.empty() ? nullptr : l.copy(d.affinity_initial),
                        static_cast<uint32_t>(d.affinity_initial.size())};
  c.affinity_final = {d.affinity_final.empty() ? nullptr : l.copy(d.affinity_final),
                      static_cast<uint32_t>(d.affinity_final.size())};
  c.has_memory_policy = d.has_memory_policy;
  c.memory_policy_mode = d.memory_policy_mode;
  for (size_t i = 0; i < kMaxNumaNodes / 64; i++) c.memory_policy_nodes[i] = d.memory_policy_nodes[i];

  c.cwd = l.str(d.cwd);
  c.argv = l.str_array(d.args);
  c.argc = static_cast<uint32_t>(d.args.size());
  c.envp = l.str_array(d.env);
  c.search_path = l.str_array(d.search_path);
  c.n_search_path = static_cast<uint32_t>(d.search_path.size());
  c.fifo_fd = d.fifo_fd;
  c.console_socket_fd = d.console_socket_fd;
  c.console_rows = d.console_rows;
  c.console_cols = d.console_cols;
  c.preserve_fds = d.preserve_fds;
  c.inherit_fds = l.copy(d.inherit_fds);
  c.n_inherit_fds = static_cast<uint32_t>(d.inherit_fds.size());
  c.create_container_hooks = lay_out_hooks(d.create_container_hooks, l);
  c.start_container_hooks = lay_out_hooks(d.start_container_hooks, l);
  c.start_report_fd = d.start_report_fd;
  if (p) *p = c;
  return p;
}

}  // namespace tsrun

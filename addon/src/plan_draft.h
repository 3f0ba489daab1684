// The owned, checked copy of the JS InitPlan that plan.cc reads (read_draft) and then
// lays out for the child (lay_out, plan_layout.cc). Parent-side only.
#pragma once
#include <stdint.h>

#include <string>
#include <utility>
#include <vector>

#include "plan.h"

namespace tsrun {

struct MountDraft {
  int32_t index = -1;
  std::string source, destination, fstype, data;
  uint64_t flags = 0;
  int64_t remount_flags = -1;
  uint64_t clear_flags = 0;
  uint64_t recursive_attr_set = 0;
  uint64_t recursive_attr_clr = 0;
  bool copy_up = false;
  bool idmapped = false;
  std::vector<uint64_t> propagation;
  bool target_is_file = false;
  bool source_is_path = false;
  int32_t source_tree_fd = -1;
};

struct DeviceDraft {
  DevicePlan d{};
  std::string path;
};

struct SysctlDraft {
  std::string path, value, key;
};

struct HookDraft {
  int32_t index = -1;
  std::string path;
  std::vector<std::string> args, env;
  bool has_env = false;
  int64_t timeout_ms = -1;
};

struct HookSetDraft {
  bool present = false;
  std::vector<HookDraft> hooks;
  std::string state_prefix, state_suffix;
};

struct Draft {
  std::vector<NsJoin> joins;
  uint64_t new_namespaces = 0;
  bool has_user_mappings = false;
  bool has_time_offsets = false;
  int32_t cgroup_fd = -1;
  int32_t root_fd = -1;
  std::string rootfs;
  uint64_t root_propagation = 0, rootfs_propagation = 0;
  bool root_readonly = false, no_pivot = false;
  std::vector<MountDraft> mounts;
  std::vector<DeviceDraft> devices;
  std::vector<std::pair<std::string, std::string>> symlinks;  // target, linkPath
  std::vector<std::string> masked_paths, readonly_paths;
  std::vector<SysctlDraft> sysctls;
  bool has_hostname = false, has_domainname = false;
  std::string hostname, domainname;
  bool has_session_keyring = false;
  std::string session_keyring;
  uint32_t session_keyring_perm = 0x080000;  // KEY_USR_SEARCH
  std::vector<RlimitPlan> rlimits;
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> additional_gids;
  int32_t umask = -1;
  bool has_capabilities = false;
  CapsPlan caps{};
  bool no_new_privileges = false;
  std::vector<uint8_t> seccomp_filter;  // empty: none
  uint32_t seccomp_flags = 0;
  bool has_scheduler = false;
  SchedulerPlan scheduler{};
  int32_t io_priority = -1;
  int64_t personality = -1;
  std::vector<uint8_t> affinity_initial, affinity_final;  // empty: none
  bool has_memory_policy = false;
  int32_t memory_policy_mode = 0;
  uint64_t memory_policy_nodes[kMaxNumaNodes / 64] = {};
  std::string cwd;
  std::vector<std::string> args, env, search_path;
  int32_t fifo_fd = -1, console_socket_fd = -1, preserve_fds = 0;
  uint32_t console_rows = 0, console_cols = 0;
  std::vector<int32_t> inherit_fds;
  HookSetDraft create_container_hooks, start_container_hooks;
  int32_t start_report_fd = -1;
};

// Copies the draft into one heap block the child reads through plain pointers; with a
// measuring Layout (no block yet) it only adds up the size.
class Layout;
ChildPlan* lay_out(const Draft& d, Layout& l);

}  // namespace tsrun

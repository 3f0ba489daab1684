// The InitPlan as the child reads it: plain structs and NUL-terminated strings in one
// arena, built by plan_build() in the parent before clone3. The child only reads it.
// A member added here must be echoed by plan_echo.cc (it does not compile otherwise).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tsrun {

// Limits: a plan beyond them is refused before clone (the child has fixed buffers).
constexpr size_t kMaxPathLen = 4095;  // PATH_MAX - 1; every path and string in the plan
constexpr size_t kMaxEntries = 4096;  // per array
constexpr size_t kMaxGroups = 65536;  // NGROUPS_MAX
constexpr size_t kMaxCapBit = 63;
constexpr size_t kMaxSeccompInsns = 4096;  // BPF_MAXINSNS
constexpr size_t kMaxCpuMaskBytes = 1024;  // cpu_set_t for 8192 CPUs (CONFIG_NR_CPUS max)
constexpr size_t kMaxNumaNodes = 1024;     // MAX_NUMNODES at its largest (NODES_SHIFT 10)

struct NsJoin {
  int32_t type;  // CLONE_NEW* bit
  int32_t fd;
  int32_t index;
};

struct MountPlan {
  int32_t index;
  const char* source;  // nullptr when ""
  const char* destination;
  const char* fstype;  // nullptr when ""
  const char* data;    // nullptr when ""
  uint64_t flags;
  int64_t remount_flags;        // < 0: no remount
  uint64_t clear_flags;         // with remount_flags: MS_* a bind clears
  uint64_t recursive_attr_set;  // MOUNT_ATTR_* set recursively once mounted
  uint64_t recursive_attr_clr;
  bool copy_up;   // tmpcopyup: the image's directory copied into the new tmpfs
  bool idmapped;  // attach source_tree_fd (mapped by the runtime), never a copy of our own
  const uint64_t* propagation;
  uint32_t n_propagation;
  bool target_is_file;
  bool source_is_path;
  int32_t source_tree_fd;  // detached copy of the source made by the runtime; -1: none
};

struct SymlinkPlan {
  const char* target;
  const char* link_path;
};

struct DevicePlan {
  int32_t index;
  const char* path;
  uint32_t file_type;  // S_IFCHR, S_IFBLK, S_IFIFO
  uint32_t major;
  uint32_t minor;
  uint32_t mode;  // permission bits
  uint32_t uid;
  uint32_t gid;
  bool bind_from_host;
};

struct RlimitPlan {
  int32_t resource;
  int32_t index;
  uint64_t soft;
  uint64_t hard;
};

struct SysctlPlan {
  const char* path;  // relative to /proc/sys
  const char* value;
  const char* key;
};

struct CapsPlan {
  uint64_t bounding;
  uint64_t effective;
  uint64_t permitted;
  uint64_t inheritable;
  uint64_t ambient;
};

// A createContainer or startContainer hook (hooks.cc forks and executes it).
struct HookPlan {
  int32_t index;      // in config.json's hooks.<kind>
  const char* path;   // absolute
  char* const* argv;  // NULL-terminated; argv[0] is args[0], or the path
  uint32_t argc;
  char* const* envp;   // NULL-terminated; nullptr: the process's env
  int64_t timeout_ms;  // < 0: none
};

// process.scheduler as struct sched_attr's fields (process_attrs.cc).
struct SchedulerPlan {
  uint32_t policy;  // SCHED_*
  uint64_t flags;   // SCHED_FLAG_*
  int32_t nice;
  uint32_t priority;
  uint64_t runtime;  // SCHED_DEADLINE, ns
  uint64_t deadline;
  uint64_t period;
};

// A cpu_set_t for sched_setaffinity (bit N of byte N/8), whole 8-byte words.
struct CpuMaskPlan {
  const uint8_t* bytes;  // nullptr: leave the affinity as it is
  uint32_t size;
};

struct HookSetPlan {
  const HookPlan* hooks;
  uint32_t n_hooks;
  const char* state_prefix;  // the state document before the pid; nullptr: no set
  const char* state_suffix;  // and after it
};

struct ChildPlan {
  const NsJoin* joins;
  uint32_t n_joins;
  uint64_t new_namespaces;
  bool has_user_mappings;
  bool has_time_offsets;  // the parent writes the new time namespace's offsets (NeedTimeOffsets)
  int32_t cgroup_fd;
  int32_t root_fd;  // >= 0: exec, the container's root to enter (join mode); -1: create

  const char* rootfs;
  uint64_t root_propagation;
  uint64_t rootfs_propagation;
  bool root_readonly;
  bool no_pivot;
  const MountPlan* mounts;
  uint32_t n_mounts;
  const DevicePlan* devices;
  uint32_t n_devices;
  const SymlinkPlan* symlinks;
  uint32_t n_symlinks;
  const char* const* masked_paths;
  uint32_t n_masked_paths;
  const char* const* readonly_paths;
  uint32_t n_readonly_paths;
  const SysctlPlan* sysctls;
  uint32_t n_sysctls;
  const char* hostname;           // nullptr: leave as is
  const char* domainname;         // nullptr: leave as is
  const char* session_keyring;    // nullptr: keep the inherited session keyring
  uint32_t session_keyring_perm;  // KEY_*_SEARCH bits OR-ed into the new keyring's perm

  const RlimitPlan* rlimits;
  uint32_t n_rlimits;
  uint32_t uid;
  uint32_t gid;
  const uint32_t* additional_gids;
  uint32_t n_additional_gids;
  int32_t umask;  // -1: leave as is
  bool has_capabilities;
  CapsPlan capabilities;
  bool no_new_privileges;
  const uint8_t* seccomp_filter;  // struct sock_filter[]; nullptr: no filter
  uint32_t seccomp_insns;         // instructions (8 bytes each), <= kMaxSeccompInsns
  uint32_t seccomp_flags;         // SECCOMP_FILTER_FLAG_*
  bool has_scheduler;
  SchedulerPlan scheduler;
  int32_t io_priority;                               // ioprio_set value; -1: leave as is
  int64_t personality;                               // personality(2) argument; -1: leave as is
  CpuMaskPlan affinity_initial;                      // exec: set on the cloning thread around clone3
  CpuMaskPlan affinity_final;                        // exec: set after the cgroup is joined
  bool has_memory_policy;                            // false: keep the inherited NUMA policy
  int32_t memory_policy_mode;                        // MPOL_* with MPOL_F_* flags OR-ed in
  uint64_t memory_policy_nodes[kMaxNumaNodes / 64];  // nodemask, bit N = node N

  const char* cwd;
  char* const* argv;  // NULL-terminated
  uint32_t argc;
  char* const* envp;  // NULL-terminated
  // PATH's directories, none empty (the reader refuses "").
  const char* const* search_path;
  uint32_t n_search_path;

  int32_t fifo_fd;  // exec.fifo, O_RDWR; -1: no wait
  int32_t console_socket_fd;
  uint32_t console_rows;  // process.consoleSize; 0 and 0: leave the pty's size
  uint32_t console_cols;
  int32_t preserve_fds;
  const int32_t* inherit_fds;  // the fds of [3, 3 + preserve_fds) the caller passed
  uint32_t n_inherit_fds;

  HookSetPlan create_container_hooks;
  HookSetPlan start_container_hooks;
  int32_t start_report_fd;  // start-hooks fifo, O_RDWR; -1: none
};

}  // namespace tsrun

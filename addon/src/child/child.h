// What every child step shares: the plan (read-only), the sync socket, and fds the
// steps hand to each other. One instance lives on the child's stack.
#pragma once

#include "../plan.h"

namespace tsrun {

struct Child {
  const ChildPlan* plan;
  int sync_fd;
  int parent_pid;  // the runtime's pid, taken before clone3, for the getppid check
  int root_fd;     // O_PATH fd of the container root (rootfs before pivot, "/" after)
  bool ppid_may_be_zero;  // true in a forked init: its parent lives outside its pid ns
};

// Entry from spawn.cc in the clone3 child. Never returns: ends in execve or _exit.
[[noreturn]] void child_main(const ChildPlan* plan, int sync_fd, int parent_pid);

// Step groups, in the order main.cc calls them. Each either succeeds or calls fail().
void signals_reset_all();
void child_guard_parent(const Child& c, bool in_new_pid_ns);
void limits_apply(const Child& c);
void ns_join_all(const Child& c);
void ns_unshare_user(const Child& c);
void ns_unshare_rest(const Child& c);
bool ns_needs_fork(const ChildPlan& p);
void ns_fork_init(const Child& c);  // returns only in the new init
void ns_set_names(const Child& c);
void ns_write_sysctls(const Child& c);
// Joins the plan's session keyring and makes it searchable (keyring.cc); no-op when none.
void keyring_join_session(const Child& c);

// Path work inside the root (rootfs.cc). All return an fd or -errno.
// openat2(root_fd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), O_CLOEXEC added.
long rootfs_resolve(int root_fd, const char* path, int flags);
// Resolves `path` to an O_PATH fd, creating missing components inside the root:
// directories, and the last one as an empty file when `last_is_file`. A dangling
// symlink on the way is followed inside the root: what it names is created there.
long rootfs_resolve_or_create(int root_fd, const char* path, bool last_is_file);
// MS_* flags the mount at `fd` already has and a remount in a user ns must keep.
unsigned long rootfs_locked_flags(int fd);

void rootfs_prepare(Child& c);
void rootfs_mount_all(const Child& c);
void rootfs_pivot(Child& c);
void rootfs_make_cwd(const Child& c);
void rootfs_mask_paths(const Child& c);
void rootfs_readonly_paths(const Child& c);
void rootfs_readonly_root(const Child& c);

void devices_create_all(const Child& c);
void devices_symlinks(const Child& c);

void console_setup(const Child& c);
void creds_apply(const Child& c);

// seccomp.cc. Without noNewPrivileges the filter goes in before the credential switch
// (it needs CAP_SYS_ADMIN: seccomp_wanted(p, false)); with it, right before execve
// (seccomp_wanted(p, true)). seccomp_install returns 0 or -errno.
bool seccomp_wanted(const ChildPlan& p, bool late);
long seccomp_install(const ChildPlan& p);

// Fills `out` (kMaxPathLen + 1 bytes) with the program to execve.
void exec_lookup(const Child& c, char* out);
void exec_wait_fifo(const Child& c);
[[noreturn]] void exec_program(const Child& c, const char* path);

}  // namespace tsrun

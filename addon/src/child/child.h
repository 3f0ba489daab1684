// What every child step shares: the plan (read-only), the sync socket, and fds the
// steps hand to each other. One instance lives on the child's stack.
#pragma once

#include "../plan.h"

namespace tsrun {

struct Child {
  const ChildPlan* plan;
  int sync_fd;
  int parent_pid;         // the runtime's pid, taken before clone3, for the getppid check
  int root_fd;            // O_PATH fd of the container root (rootfs before pivot, "/" after)
  bool ppid_may_be_zero;  // true in a forked init: its parent lives outside its pid ns
  bool setgroups_denied;  // the user namespace's setgroups file says "deny"
  int cwd_fd;             // O_PATH fd of process.cwd, resolved in the root before the filter
  bool cwd_entered;       // fchdir(cwd_fd) worked as root; else retried as the user
  unsigned fd_bound;      // above every fd the runtime may hold (its RLIMIT_NOFILE at clone)
};

// Entries from clone.cc in the clone3 child. Never return: end in execve or _exit.
// create: build the container (main.cc).
[[noreturn]] void child_main(const ChildPlan* plan, int sync_fd, int parent_pid);
// exec: join the running container whose root is plan->root_fd (join.cc).
[[noreturn]] void join_main(const ChildPlan* plan, int sync_fd, int parent_pid);
// The first steps of both: signals reset, tied to the runtime, non-dumpable, released by
// Go, the rlimits, the namespaces joined (main.cc).
void child_begin(Child& c);
// A pid or time namespace applies to children only: go on in a forked process (main.cc).
void child_fork_if_needed(Child& c);
// The steps both share once the root is in place: cwd and args[0] resolved in it, fds,
// filter, credentials, Ready/Detach, execve (main.cc).
[[noreturn]] void child_finish(Child& c);

// clone.cc: clone3 for `plan`; in the child, closes `parent_end` and runs child_main.
// With plan->affinity_initial the calling thread takes that mask for the clone (the child
// is born with it) and gets its own back after; failing that, -errno before any clone.
// Returns the pid (or -errno) in the parent, with *pidfd set.
long clone_child(const ChildPlan* plan, int parent_end, int child_end, int parent_pid, int* pidfd);

// Step groups, in the order main.cc calls them. Each either succeeds or calls fail().
void signals_reset_all();
void child_guard_parent(const Child& c, bool in_new_pid_ns);
// Non-dumpable, again after every credential change (each resets it to fs.suid_dumpable):
// nothing in the container may open /proc/PID/exe or mem of this copy of the runtime.
void child_non_dumpable(const Child& c);
void limits_apply(const Child& c);
// linux.memoryPolicy with set_mempolicy (memory_policy.cc); no-op without one.
void memory_policy_apply(const Child& c);
// Joins the plan's namespaces, user first; reads that user namespace's setgroups file
// right after joining it, while /proc is still the host's.
void ns_join_all(Child& c);
void ns_unshare_user(const Child& c);
void ns_unshare_rest(const Child& c);
// A new time namespace's clock offsets, written by the parent before any process is in it.
void ns_await_time_offsets(const Child& c);
// A new network namespace's loopback interface up, as runc does for one it creates.
void ns_loopback_up(const Child& c);
bool ns_needs_fork(const ChildPlan& p);
void ns_fork_init(const Child& c);  // returns only in the new init
// Reads the user namespace's setgroups file (host /proc, before pivot_root).
void ns_read_setgroups(Child& c);
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
// Puts the detached mount `tree` (open_tree/fsmount) onto `dst_fd`: no path string.
long rootfs_attach(int tree, int dst_fd);

// tmpcopyup (copy_up.cc): copies the directory `from` (a readable fd on the rootfs's
// directory) into `to` (the new tmpfs): files, directories, symlinks (as links), fifos
// and device nodes, with owners and modes; nothing is followed. 0 or -errno.
long copy_up(int from, int to);

// Runtime side, for an idmapped mount (userns_holder.cc): a child in a new user namespace
// that waits until every write end of the pipe (`wait_fd` its read end, `write_end`
// closed in the child) is closed, then exits. Its pid, or -errno; *pidfd set.
long spawn_userns_holder(int wait_fd, int write_end, int* pidfd);

void rootfs_prepare(Child& c);
void rootfs_mount_all(const Child& c);
void rootfs_pivot(Child& c);
void rootfs_make_cwd(const Child& c);
void rootfs_mask_paths(const Child& c);
void rootfs_readonly_paths(const Child& c);
void rootfs_readonly_root(const Child& c);

void devices_create_all(const Child& c);
void devices_symlinks(const Child& c);

void session_start(const Child& c);
// The pty; `dev_console`: bind its peer onto /dev/console too (create; exec does not).
void console_setup(const Child& c, bool dev_console);
void creds_apply(const Child& c);
// personality, final CPU affinity, I/O priority, scheduler (process_attrs.cc).
void process_attrs_apply(const Child& c);

// seccomp.cc. Without noNewPrivileges the filter goes in before the credential switch
// (it needs CAP_SYS_ADMIN: seccomp_wanted(p, false)); with it, after Detach, before the
// fifo wait (seccomp_wanted(p, true)). seccomp_load installs it, and a filter with
// SCMP_ACT_NOTIFY hands its listener to the runtime; a failure is reported (Seccomp).
// What the child may call after each point is listed in after_filter.h.
bool seccomp_wanted(const ChildPlan& p, bool late);
void seccomp_load(const Child& c);

// fds.cc: stdio and the preserved range as the process will get them, every other fd
// closed for real but the sync socket, the fifos and the cwd (closed at their last use).
void fds_prepare_exec(const Child& c);

// exec.cc. Before the filter, as root: open and enter the cwd, resolve args[0] inside
// the root into `out` (kMaxPathLen + 1 bytes), close the root fd.
void exec_prepare(Child& c, char* out);
// After the credential switch: enter the cwd if root could not, check the user may
// execute `path` (faccessat), close the cwd fd.
void exec_check_user(Child& c, const char* path);
void exec_wait_fifo(const Child& c);
[[noreturn]] void exec_program(const Child& c, const char* path);

// hooks.cc. createContainer: after Resume, before pivot_root; a failure is sent on the
// sync socket and the init exits. startContainer: after the exec.fifo byte; the outcome
// goes to the start-hooks fifo (StartHooksDone or the Error), and a failure exits.
// Both no-ops without hooks of their kind.
void hooks_create_container(const Child& c);
void hooks_start_container(const Child& c);

}  // namespace tsrun

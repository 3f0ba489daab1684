// The syscalls the container's init makes after the user's seccomp filter is installed,
// mirrored from addon/src/child/after_filter.h (the child's one written list). A profile
// must allow these, beside what the container's program needs, for `create` to work;
// test/integration/child-syscalls.test.ts runs containers under exactly these.

/** With noNewPrivileges the filter goes in last, after Detach. */
export const AFTER_LATE_FILTER: readonly string[] = ['write', 'read', 'close', 'execve', 'exit_group'];

/** Without noNewPrivileges the filter precedes the credential switch. */
export const AFTER_EARLY_FILTER: readonly string[] = [
  'setgroups',
  'setresgid',
  'setresuid',
  'capset',
  'prctl',
  'getppid',
  'fchdir', // only when root could not enter the cwd
  'faccessat',
  'write',
  'read',
  'close',
  'execve',
  'exit_group',
];

/** Beside either list, with startContainer hooks: the init forks each hook and waits for it
 * (addon/src/child/hooks.cc), the hook process sets up its stdio and execs. */
export const START_CONTAINER_HOOKS: readonly string[] = [
  'faccessat',
  'pipe2',
  'getpid',
  'write',
  'close',
  'clone3',
  'clone', // only where clone3 gets ENOSYS
  'ppoll',
  'waitid',
  'pidfd_send_signal', // only past a hook's timeout
  'dup3',
  'close_range', // or one close at a time where it gets ENOSYS
  'execve',
];

/** Made only on some paths (a failure, a cwd root cannot enter, a hook's timeout, a
 * profile without clone3), or with a fallback where a profile answers ENOSYS (close_range
 * in a hook process). */
export const CONDITIONAL: readonly string[] = ['exit_group', 'fchdir', 'pidfd_send_signal', 'clone', 'close_range'];

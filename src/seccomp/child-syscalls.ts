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

/** Made only on some paths (a failure, a cwd root cannot enter). */
export const CONDITIONAL: readonly string[] = ['exit_group', 'fchdir'];

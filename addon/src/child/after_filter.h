// The syscalls the child makes after the user's seccomp filter is installed: the one
// written list (DESIGN.md section 1). A profile must allow these for a container to
// start; test/integration/child-syscalls.test.ts runs containers under profiles that
// allow exactly these (src/seccomp/child-syscalls.ts mirrors them) plus the program's own.
//
// With noNewPrivileges the filter goes in last, after Detach:
//   write (Detached, and a failure on stderr), read (exec.fifo), close (fifo, sync
//   socket), execve, exit_group (on failure).
// Without it the filter needs CAP_SYS_ADMIN, so it precedes the credential switch, and
// the switch and the rest of the ladder come after it:
//   setgroups, setresgid, setresuid, capset, prctl (bounding set, keepcaps,
//   ambient set, dumpable, parent-death signal, no_new_privs), getppid, fchdir (only when
//   root could not enter the cwd), faccessat (X_OK on args[0] as the user), write, read,
//   close, execve, exit_group.
// With startContainer hooks (hooks.cc), beside either list, made by the init for each hook:
//   faccessat (the path, as the user), pipe2, getpid, write (the state document; the
//   report to start), close, clone3 (clone where a profile answers clone3 with ENOSYS),
//   ppoll (the timeout), waitid, pidfd_send_signal (only past a timeout); and by the hook
//   process before its execve: dup3, close_range, execve (write, exit_group on failure).
//   A container without startContainer hooks makes none of these.
// With a notify filter (SCMP_ACT_NOTIFY), where the filter goes in on either list: write
//   (SeccompListener, the listener's fd number), read (SeccompListenerDone), close (the
//   listener, once the runtime took it with pidfd_getfd); no syscall beyond those above.
// Nothing here may be added without adding it to both lists.
#pragma once

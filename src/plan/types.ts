// The InitPlan is the flat, fully resolved description of everything the cloned child
// does between clone3() and execve(). It is built in TypeScript (pure, unit-tested) and
// handed to the addon's spawn(), which copies it into C structs *before* cloning: the
// child never touches a JS value. Only numbers, strings and flat arrays live here; no
// OCI types.
//
// This file is the one definition of the plan; the addon is checked against it by
// test/unit/plan-contract.test.ts. A new field goes into: this file, the reader
// (addon/src/plan.cc, plan_draft.h), the child's view (plan.h, plan_layout.cc), the
// echo (plan_echo.cc), and that test's two fixtures (tsc asks for it). Leaving one out
// fails tsc, the addon's build, or the test.

/** A namespace the child joins with setns() on an fd the runtime opened. */
interface NamespaceJoin {
  /** CLONE_NEW* bit of the namespace type. */
  type: number;
  /** fd (in the runtime process) opened O_RDONLY|O_CLOEXEC on the namespace path. */
  fd: number;
  /** Index in linux.namespaces, for error messages. */
  index: number;
}

export enum MountTargetKind {
  Directory = 0,
  File = 1,
}

/** One mount(2) (or mount sequence) performed inside the new mount namespace, before
 * pivot_root, with the destination resolved inside the rootfs. */
export interface MountStep {
  /** Index in config.json "mounts" (or -1 for mounts tsrun adds itself). */
  index: number;
  /** Host path or fs-specific source string; "" when none. */
  source: string;
  /** Absolute path inside the container. */
  destination: string;
  /** Filesystem type for mount(2); "" for bind mounts. */
  fstype: string;
  /** Flags for the first mount(2) call (MS_BIND, MS_REC, MS_NOSUID, ...). */
  flags: number;
  /** Filesystem data string (tmpfs size=..., mode=...); "" for none. */
  data: string;
  /** When >= 0: flags of a second mount(MS_REMOUNT|MS_BIND|...) call, needed because a
   * bind mount ignores MS_RDONLY and friends on the first call. */
  remountFlags: number;
  /** With remountFlags: MS_* per-mount flags the options clear on a bind (rw, suid, exec...)
   * even when its source has them. Absent means 0. */
  clearFlags?: number;
  /** MOUNT_ATTR_* set and cleared with mount_setattr(AT_RECURSIVE) once the mount is made
   * (rro, rnosuid, ...). Absent means 0. */
  recursiveAttrSet?: number;
  recursiveAttrClr?: number;
  /** tmpcopyup: what the rootfs has at the destination is copied into the new tmpfs.
   * Absent means false. */
  copyUp?: boolean;
  /** An idmapped bind: the child attaches the runtime's tree (sourceTreeFd, mapped while
   * detached), never its own copy. Absent means false. */
  idmapped?: boolean;
  /** Propagation flags (MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE, each maybe |MS_REC)
   * applied one by one after the mount. */
  propagation: number[];
  /** What to create at the destination if it does not exist. */
  targetKind: MountTargetKind;
  /** Source is a host path that the child opens before mounting (bind mounts). */
  sourceIsPath: boolean;
  /** A detached copy of the source (open_tree) made by the runtime with its own view,
   * for a container user that cannot reach `source` itself (user namespace); -1 for none. */
  sourceTreeFd: number;
}

/** A symbolic link created inside the rootfs before pivot_root (/dev/fd, /dev/ptmx, ...). */
export interface SymlinkStep {
  target: string;
  /** Absolute path inside the container. */
  linkPath: string;
}

export interface DeviceStep {
  /** Index in linux.devices, or -1 for a default device. */
  index: number;
  /** Absolute path inside the container. */
  path: string;
  /** S_IFCHR, S_IFBLK or S_IFIFO. */
  fileType: number;
  major: number;
  minor: number;
  /** Permission bits only (0o666). */
  mode: number;
  uid: number;
  gid: number;
  /** Bind-mount the host's node (same path) instead of mknod: in a user namespace mknod
   * is not allowed. */
  bindFromHost: boolean;
}

export interface RlimitStep {
  /** RLIMIT_* resource number. */
  resource: number;
  soft: bigint;
  hard: bigint;
  /** Index in process.rlimits. */
  index: number;
}

interface SysctlStep {
  /** Path relative to /proc/sys, with dots already turned into slashes. */
  path: string;
  value: string;
  /** The key as written in config.json, for messages. */
  key: string;
}

export interface Capabilities {
  /** Bit masks (bit N = capability N), as bigint because there are more than 32. */
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
}

/** process.scheduler as sched_setattr(2)'s struct sched_attr. */
export interface SchedulerStep {
  /** SCHED_* number. */
  policy: number;
  /** SCHED_FLAG_* bits. */
  flags: number;
  nice: number;
  priority: number;
  /** SCHED_DEADLINE parameters in ns; 0 for the other policies. */
  runtime: bigint;
  deadline: bigint;
  period: bigint;
}

/** One createContainer or startContainer hook, forked and executed by the child. */
interface ContainerHookStep {
  /** Index in config.json's hooks.<kind>, for messages. */
  index: number;
  /** Absolute; resolved where the hook runs (before pivot_root: the runtime's view). */
  path: string;
  /** argv: args[0] is argv[0]; [path] when the hook has no args. */
  args: string[];
  /** Exactly the hook's "KEY=value" strings; null: the process's env (plan.env), which is
   * what runc's init passes on (its environment is process.env by then). */
  env: string[] | null;
  /** SIGKILL after this many milliseconds; -1 for none. */
  timeoutMs: number;
}

/** The hooks of one kind and the state document they get on stdin: the child writes
 * statePrefix, its own pid (as seen where the hooks run), stateSuffix. */
export interface ContainerHookSet {
  hooks: ContainerHookStep[];
  statePrefix: string;
  stateSuffix: string;
}

export interface InitPlan {
  /** Namespaces joined by path, user namespace first. */
  joins: NamespaceJoin[];
  /** CLONE_NEW* bits of the namespaces to create. */
  newNamespaces: number;
  /** The parent must write uid/gid maps: the child asks for them after unshare(CLONE_NEWUSER). */
  hasUserMappings: boolean;
  /** The parent must write linux.timeOffsets: the child asks (NeedTimeOffsets) after
   * unshare(CLONE_NEWTIME), before it forks the init into the namespace (the offsets
   * freeze once a process is in it). Absent means false. */
  hasTimeOffsets?: boolean;
  /** Host fd of the container's cgroup directory (v2), for CLONE_INTO_CGROUP; -1 for none. */
  cgroupFd: number;
  /** `exec`: the runtime's fd on the running container's root (/proc/PID/root of its
   * init). The child joins the container (`joins`, its cgroup) and enters this root
   * instead of building one: no new namespaces, mounts, devices or pivot_root. -1 for
   * `create`. */
  rootFd: number;

  /** Absolute host path of the rootfs. */
  rootfs: string;
  /** MS_* propagation for "/" before the mounts (MS_REC|MS_SLAVE by default). */
  rootPropagation: number;
  /** MS_* propagation for the new root after pivot_root, 0 for none. */
  rootfsPropagation: number;
  rootReadonly: boolean;
  /** chroot instead of pivot_root (--no-pivot). */
  noPivot: boolean;
  mounts: MountStep[];
  devices: DeviceStep[];
  symlinks: SymlinkStep[];
  /** Paths inside the container masked after pivot_root: /dev/null over files,
   * a read-only empty tmpfs over directories. */
  maskedPaths: string[];
  /** Paths inside the container made read-only (recursive bind + remount ro). */
  readonlyPaths: string[];
  sysctls: SysctlStep[];
  /** null leaves the namespace's name as it is. */
  hostname: string | null;
  domainname: string | null;

  /** Session keyring the init joins (KEYCTL_JOIN_SESSION_KEYRING) right after its
   * namespaces, before the mounts and the credential switch, as runc does:
   * "_ses.<container id>", so the container does not share the runtime's keyring.
   * null keeps the inherited one (--no-new-keyring); absent means null. */
  sessionKeyring?: string | null;
  /** Permission bits OR-ed into that keyring's permissions so the container's process can
   * search it after the credential switch (runc's values): KEY_USR_SEARCH (0x080000), or
   * KEY_OTH_SEARCH (0x08) with a user namespace. Absent means KEY_USR_SEARCH. */
  sessionKeyringPerm?: number;

  rlimits: RlimitStep[];
  uid: number;
  gid: number;
  additionalGids: number[];
  /** -1 leaves the umask as it is (runc's default 0022 is set by the plan builder). */
  umask: number;
  capabilities: Capabilities | null;
  noNewPrivileges: boolean;
  /** linux.seccomp compiled to BPF (struct sock_filter[], at most 4096 instructions) and
   * the SECCOMP_FILTER_FLAG_* bits for seccomp(2). Installed right before execve when
   * noNewPrivileges is true, else before the credential switch (it needs CAP_SYS_ADMIN
   * then), as runc does. null or absent: no filter. */
  seccomp?: { filter: Uint8Array; flags: number } | null;
  /** linux.memoryPolicy for set_mempolicy(2), made before the filter, for the init and
   * for every exec'd process (runc's places): `mode` has its MPOL_F_* flags OR-ed in,
   * `nodes` are node numbers below MAX_NUMA_NODES. null or absent: the inherited policy. */
  memoryPolicy?: { mode: number; nodes: number[] } | null;

  /** process.scheduler, set before the credential switch (a real-time policy needs
   * CAP_SYS_NICE); null or absent: as inherited. */
  scheduler?: SchedulerStep | null;
  /** process.ioPriority as ioprio_set(2)'s value (class << 13 | level), set beside the
   * scheduler; -1 or absent: as inherited. */
  ioPriority?: number;
  /** linux.personality's domain for personality(2), before the filter (runc's place);
   * -1 or absent: as inherited. */
  personality?: number;
  /** exec only (config.md: not for the init): process.execCPUAffinity as cpu_set_t masks
   * (bit N of byte N/8). initial: the child is born with it, before it joins the
   * container's cgroup (set on the cloning thread around clone3); final: set after the
   * cgroup is joined, before the credential switch. null or absent: as inherited. */
  cpuAffinityInitial?: Uint8Array | null;
  cpuAffinityFinal?: Uint8Array | null;

  /** Absolute path inside the container. */
  cwd: string;
  args: string[];
  /** "KEY=value" strings. */
  env: string[];
  /** The directories of the container's PATH, for the lookup of args[0] when it has no '/'.
   * Never an empty entry: searchPath() drops them and the addon's plan reader refuses one. */
  searchPath: string[];

  /** exec.fifo opened O_RDWR by the runtime: the child blocks reading it until `start`
   * writes a byte. Never a directory fd: nothing of the host's tree reaches the child.
   * -1 for `exec` (no wait). */
  fifoFd: number;
  /** fd of a connected console socket, -1 when process.terminal is false. */
  consoleSocketFd: number;
  /** process.consoleSize for the new pty (TIOCSWINSZ), as runc sets it; 0 and 0 leave the
   * kernel's 0x0. Only with a console socket. */
  consoleRows: number;
  consoleCols: number;
  /** Number of fds after stdio that survive into the container (--preserve-fds). */
  preserveFds: number;
  /** The fds of 3..3+preserveFds-1 the caller really passed; the child closes every other
   * fd of that range (the runtime's own that fell into it). */
  inheritFds: number[];

  /** Run after Resume, before pivot_root; absent or null: none. */
  createContainerHooks?: ContainerHookSet | null;
  /** Run after the exec.fifo byte, before execve; absent or null: none. */
  startContainerHooks?: ContainerHookSet | null;
  /** start-hooks fifo opened O_RDWR by the runtime: the init writes StartHooksDone or the
   * Error of a startContainer hook there for `start`. -1 or absent: no startContainer hooks. */
  startReportFd?: number;
}

/** Messages on the sync socket. Mirror of addon/src/abi.h. The ladder:
 *
 *   parent (runtime)                       child (addon, after clone3)
 *   spawn ------------------------------->  signals reset, pdeathsig, non-dumpable
 *   place in v1 cgroups                     waits for Go
 *   Go ---------------------------------->  rlimits, setns joins (user first)
 *                      <--- NeedIdMaps(pid) unshare(CLONE_NEWUSER) [if new user ns]
 *   write uid_map/gid_map
 *   IdMapsDone -------------------------->  setresuid(0)/setresgid(0); unshare other namespaces
 *                 <--- NeedTimeOffsets(pid) [new time ns with linux.timeOffsets]
 *   write /proc/PID/timens_offsets
 *   TimeOffsetsDone --------------------->
 *                          <--- Pid(pid)    [pid/time ns] fork the init with CLONE_PARENT;
 *                                           the intermediate exits; join session keyring
 *                   <--- CreateRuntime      mounts, devices, symlinks done (before pivot)
 *   (prestart/createRuntime hooks)
 *   Resume ------------------------------>  [createContainer hooks] pivot_root, masked/readonly, sysctl, hostname,
 *                                           console, cwd and args[0] in the root, fds closed,
 *                                           [filter without nnp], creds
 *                          <--- Ready
 *   pid-file, state.json
 *   Detach ------------------------------>  pdeathsig cleared only now (a create that dies
 *                                           before takes the child with it); [filter with nnp]
 *   [a filter with SCMP_ACT_NOTIFY, at either install point:
 *                <--- SeccompListener(fd)   the listener's fd number in the child
 *   pidfd_getfd, fd to listenerPath
 *   SeccompListenerDone ---------------->  closes its listener fd]
 *                       <--- Detached
 *   exit                                    blocks on exec.fifo
 *   (start) byte into exec.fifo -------->  [startContainer hooks, then StartHooksDone or
 *                                           Error on the start-hooks fifo, for start]
 *
 * Any child step may instead send Error {step, index, errno, detail} and _exit(1).
 */
export enum SyncType {
  Go = 1,
  NeedIdMaps = 2,
  IdMapsDone = 3,
  Pid = 4,
  CreateRuntime = 5,
  Resume = 6,
  Ready = 7,
  Error = 8,
  Detach = 9,
  Detached = 10,
  /** On the start-hooks fifo (not the sync socket): the startContainer hooks succeeded. */
  StartHooksDone = 11,
  /** A filter with SCMP_ACT_NOTIFY is in: arg is the listener's fd number in the child,
   * which the runtime takes with pidfd_getfd (the child makes no syscall but write). */
  SeccompListener = 12,
  /** The runtime holds the listener (and gave it to listenerPath): the child closes its copy. */
  SeccompListenerDone = 13,
  NeedTimeOffsets = 14,
  TimeOffsetsDone = 15,
}

/** Child steps, for errors: which part of the plan failed. Mirror of addon/src/abi.h. */
export enum ChildStep {
  /** @public sent by the child (early prctl), described by describe.ts's default case */
  Setup = 1,
  Rlimit = 2,
  JoinNamespace = 3,
  UnshareUser = 4,
  UnshareNamespaces = 5,
  ForkInit = 6,
  RootPropagation = 7,
  BindRootfs = 8,
  Mount = 9,
  Device = 10,
  Symlink = 11,
  PivotRoot = 12,
  RootfsPropagation = 13,
  MaskPath = 14,
  ReadonlyPath = 15,
  Sysctl = 16,
  Hostname = 17,
  Domainname = 18,
  RootReadonly = 19,
  Console = 20,
  Groups = 21,
  SetGid = 22,
  SetUid = 23,
  Capabilities = 24,
  NoNewPrivileges = 25,
  Cwd = 26,
  LookupExec = 27,
  ExecFifo = 28,
  Exec = 29,
  IdMaps = 30,
  /** @public sent by the child (a sync message failed), described by the default case */
  Sync = 31,
  SessionKeyring = 32,
  Seccomp = 33,
  /** A createContainer hook failed: index is its place in hooks.createContainer, detail
   * its path; errno (not found, timed out) or arg (exit status, or -signal) says how. */
  CreateContainerHook = 34,
  /** The same for a startContainer hook, reported to `start` on the start-hooks fifo. */
  StartContainerHook = 35,
  /** exec: entering the running container's root (join mode) */
  EnterRoot = 36,
  /** A new network namespace: bringing its loopback interface up */
  Loopback = 37,
  /** args[0] exists but cannot run: a directory, or no execute bit (the lookup's stat worked) */
  NotExecutable = 38,
  /** linux.personality: personality(2) */
  Personality = 39,
  /** process.scheduler: sched_setattr(2) */
  Scheduler = 40,
  /** process.ioPriority: ioprio_set(2) */
  IoPriority = 41,
  /** process.execCPUAffinity: sched_setaffinity(2); index 0 initial, 1 final */
  CpuAffinity = 42,
  /** Setting or clearing a mount's flags once it is made; detail "locked" when a flag to
   * clear was locked by the kernel (a mount from outside the user namespace) */
  MountFlags = 43,
  /** tmpcopyup: copying the image's directory into the new tmpfs */
  CopyUp = 44,
  /** set_mempolicy for linux.memoryPolicy */
  MemoryPolicy = 45,
}

export interface SyncMessage {
  type: SyncType;
  step: ChildStep | 0;
  /** Index of the failing entry in its config.json array, -1 when none. */
  index: number;
  /** errno (positive) of the failing syscall, 0 when none. */
  errno: number;
  /** Pid for NeedIdMaps / Pid; for a hook's Error: its exit status, or -signal. */
  arg: number;
  /** Short NUL-free text: the path or name involved. */
  detail: string;
}

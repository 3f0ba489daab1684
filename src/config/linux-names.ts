// Names the kernel (and runc) know, as data: the semantic checks use the keys, and plan/
// can use the numbers. Plain object literals: building them costs nothing at load time.

/** Linux capabilities in bit order (CAP_CHOWN = 0 ... CAP_CHECKPOINT_RESTORE = 40). */
export const CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** RLIMIT_* resource numbers (asm-generic, used by x86_64 and arm64). */
export const RLIMITS: Readonly<Record<string, number>> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
};

/** OCI namespace type -> CLONE_NEW* flag. */
export const NAMESPACE_CLONE_FLAGS: Readonly<Record<string, number>> = {
  mount: 0x00020000, // CLONE_NEWNS
  cgroup: 0x02000000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
  time: 0x00000080,
};

/** OCI namespace type -> its file in /proc/PID/ns (there only where the kernel has it). */
export const NAMESPACE_PROC_FILES: Readonly<Record<string, string>> = {
  user: 'user',
  mount: 'mnt',
  uts: 'uts',
  ipc: 'ipc',
  network: 'net',
  pid: 'pid',
  cgroup: 'cgroup',
  time: 'time',
};

/** File-type bits (S_IFMT) a linux.devices[].fileMode may carry, by OCI device type. */
export const DEVICE_FILE_TYPE_BITS: Readonly<Record<string, number>> = {
  c: 0o020000, // S_IFCHR
  u: 0o020000, // unbuffered character device: still S_IFCHR
  b: 0o060000, // S_IFBLK
  p: 0o010000, // S_IFIFO
};

export const S_IFMT = 0o170000;

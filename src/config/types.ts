// OCI runtime-spec 1.3 config.json, the Linux subset, with the JSON field names verbatim.
// Optional where the spec says OPTIONAL; schemas/config.schema.json is the source of truth
// for shapes, these types only describe what a validated document looks like.
// uint64 values arrive through JSON.parse as JS numbers: above 2^53 they are rounded
// (RLIM_INFINITY 18446744073709551615 reads as 2^64; consumers treat >= 2^64-1 as "unlimited").

type StringMap = Record<string, string>;

interface IDMapping {
  containerID: number;
  hostID: number;
  size: number;
}

interface Root {
  path: string;
  readonly?: boolean;
}

export interface Mount {
  destination: string;
  source?: string;
  type?: string;
  options?: string[];
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
}

interface ConsoleSize {
  height: number;
  width: number;
}

interface User {
  uid?: number;
  gid?: number;
  umask?: number;
  additionalGids?: number[];
  username?: string;
}

interface Capabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

export type CapabilitySet = keyof Capabilities;

interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}

type SchedulerPolicy =
  | 'SCHED_OTHER'
  | 'SCHED_FIFO'
  | 'SCHED_RR'
  | 'SCHED_BATCH'
  | 'SCHED_ISO'
  | 'SCHED_IDLE'
  | 'SCHED_DEADLINE';

interface Scheduler {
  policy: SchedulerPolicy;
  nice?: number;
  priority?: number;
  flags?: string[];
  runtime?: number;
  deadline?: number;
  period?: number;
}

interface IOPriority {
  class: 'IOPRIO_CLASS_RT' | 'IOPRIO_CLASS_BE' | 'IOPRIO_CLASS_IDLE';
  priority?: number;
}

interface ExecCPUAffinity {
  initial?: string;
  final?: string;
}

export interface Process {
  terminal?: boolean;
  consoleSize?: ConsoleSize;
  cwd: string;
  env?: string[];
  /** Optional in the schema; semantics.ts requires at least one entry on Linux. */
  args?: string[];
  commandLine?: string;
  rlimits?: Rlimit[];
  apparmorProfile?: string;
  capabilities?: Capabilities;
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
  scheduler?: Scheduler;
  selinuxLabel?: string;
  ioPriority?: IOPriority;
  execCPUAffinity?: ExecCPUAffinity;
  user?: User;
}

export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface Hooks {
  prestart?: Hook[];
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}

type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

export interface Namespace {
  /** A string in the schema; semantics.ts checks it is a NamespaceType. */
  type: NamespaceType;
  path?: string;
}

interface TimeOffset {
  secs?: number;
  nanosecs?: number;
}

type DeviceType = 'c' | 'b' | 'u' | 'p';

export interface Device {
  type: DeviceType;
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

interface NetDevice {
  name?: string;
}

interface DeviceCgroup {
  allow: boolean;
  type?: string;
  major?: number;
  minor?: number;
  access?: string;
}

interface MemoryResources {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

interface CPUResources {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

interface BlockIODevice {
  major: number;
  minor: number;
}

interface BlockIOWeightDevice extends BlockIODevice {
  weight?: number;
  leafWeight?: number;
}

interface BlockIOThrottleDevice extends BlockIODevice {
  rate?: number;
}

interface BlockIOResources {
  weight?: number;
  leafWeight?: number;
  weightDevice?: BlockIOWeightDevice[];
  throttleReadBpsDevice?: BlockIOThrottleDevice[];
  throttleWriteBpsDevice?: BlockIOThrottleDevice[];
  throttleReadIOPSDevice?: BlockIOThrottleDevice[];
  throttleWriteIOPSDevice?: BlockIOThrottleDevice[];
}

interface HugepageLimit {
  pageSize: string;
  limit: number;
}

interface NetworkResources {
  classID?: number;
  priorities?: { name: string; priority: number }[];
}

interface PidsResources {
  limit: number;
}

interface RdmaResource {
  hcaHandles?: number;
  hcaObjects?: number;
}

export interface Resources {
  devices?: DeviceCgroup[];
  memory?: MemoryResources;
  cpu?: CPUResources;
  blockIO?: BlockIOResources;
  hugepageLimits?: HugepageLimit[];
  network?: NetworkResources;
  pids?: PidsResources;
  rdma?: Record<string, RdmaResource>;
  unified?: StringMap;
}

type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY';

type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

export interface SyscallArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

interface Syscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SyscallArg[];
}

export interface Seccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: Syscall[];
}

export interface Personality {
  domain?: 'LINUX' | 'LINUX32';
  flags?: string[];
}

interface IntelRdt {
  closID?: string;
  schemata?: string[];
  l3CacheSchema?: string;
  memBwSchema?: string;
  enableMonitoring?: boolean;
  enableCMT?: boolean;
  enableMBM?: boolean;
}

export interface MemoryPolicy {
  mode?: string;
  nodes?: string;
  flags?: string[];
}

type RootfsPropagation =
  | 'private'
  | 'shared'
  | 'slave'
  | 'unbindable'
  | 'rprivate'
  | 'rshared'
  | 'rslave'
  | 'runbindable';

interface Linux {
  namespaces?: Namespace[];
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
  timeOffsets?: { boottime?: TimeOffset; monotonic?: TimeOffset };
  devices?: Device[];
  netDevices?: Record<string, NetDevice>;
  cgroupsPath?: string;
  resources?: Resources;
  rootfsPropagation?: RootfsPropagation;
  seccomp?: Seccomp;
  sysctl?: StringMap;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
  personality?: Personality;
  intelRdt?: IntelRdt;
  memoryPolicy?: MemoryPolicy;
}

/** config.json after schema validation. */
export interface Spec {
  ociVersion: string;
  root?: Root;
  mounts?: Mount[];
  process?: Process;
  hostname?: string;
  domainname?: string;
  hooks?: Hooks;
  annotations?: StringMap;
  linux?: Linux;
}

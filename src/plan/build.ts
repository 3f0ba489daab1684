// spec + host facts -> InitPlan. Pure: every fact about the host (file kinds, cgroup
// directories, available capabilities, opened fds) comes in through PlanContext.
import { memoryPolicyPlan } from '../config/memory-policy';
import type { Process, Spec } from '../config/types';
import type { HookContainer } from '../container/hooks';
import { MS_PRIVATE, MS_REC, MS_SLAVE, CLONE_NEWNET, CLONE_NEWUSER, propagationOptions } from './constants';
import { planContainerHooks } from './container-hooks';
import { dedupEnv, planCapabilities, planRlimits, searchPath, withHome } from './creds';
import { devSymlinks, planDevices } from './devices';
import { planMounts, type CgroupMountSource } from './mounts';
import { planIoPriority, planPersonality, planScheduler } from './process-attributes';
import { entersNamespace, type NamespacePlan } from './namespaces';
import { timeOffsetsText } from './time-offsets';
import type { InitPlan } from './types';

export interface PlanContext {
  bundle: string;
  /** Absolute host path of the rootfs. */
  rootfs: string;
  namespaces: NamespacePlan;
  /** fd opened on each joined namespace, in the order of namespaces.joins. */
  joinFds: number[];
  statSource(p: string): 'dir' | 'file' | null;
  /** The container's /etc/passwd, for HOME; null when it has none. */
  passwd: string | null;
  cgroupSources: CgroupMountSource[];
  cgroupVersion: 1 | 2;
  /** The container's cgroup directory on a cgroup v2 host. */
  cgroup2HostDir: string | null;
  /** Host fd of the container's cgroup2 directory the child is cloned into (CLONE_INTO_CGROUP), or -1. */
  cgroupFd: number;
  /** Capabilities the runtime process can grant (its bounding set). */
  availableCaps: bigint;
  /** exec.fifo opened O_RDWR. */
  fifoFd: number;
  consoleSocketFd: number;
  preserveFds: number;
  /** The fds of the preserved range the caller really passed (inherited-fds.ts). */
  inheritFds: number[];
  /** Added to process.env (LISTEN_FDS/LISTEN_PID for socket activation). */
  extraEnv: string[];
  noPivot: boolean;
  /** The container's ID: names its session keyring "_ses.<id>". */
  containerId: string;
  /** Join a new session keyring (runc's default); false for --no-new-keyring. */
  newKeyring: boolean;
  /** linux.seccomp compiled to BPF by the caller (seccomp/compile.ts); absent or null
   * when the config has none. */
  seccomp?: { filter: Uint8Array; flags: number } | null;
  /** What the state document of the in-container hooks says about the container. */
  hookContainer: HookContainer;
  /** The start-hooks fifo opened O_RDWR (startReportFd), or -1 without startContainer hooks. */
  startReportFd: number;
}

/** KEY_USR_SEARCH and KEY_OTH_SEARCH (linux/keyctl.h). */
const KEY_USR_SEARCH = 0x080000;
const KEY_OTH_SEARCH = 0x08;

/** In a user namespace the session keyring's owner is not the container's user: runc
 * grants 'other' search there, 'user' search otherwise. */
export function keyringPerm(userns: boolean): number {
  return userns ? KEY_OTH_SEARCH : KEY_USR_SEARCH;
}

export interface PlanResult {
  plan: InitPlan;
  /** Things the config asked for that the host cannot give, for warnings. */
  warnings: string[];
}

/** "/" gets rslave by default so no container mount reaches the host (rprivate when that
 * is what was asked); the requested propagation is applied to the new root after pivot_root. */
function rootPropagations(rootfsPropagation: string | undefined): { before: number; after: number } {
  const requested = rootfsPropagation ? (propagationOptions[rootfsPropagation] ?? 0) : 0;
  return { before: MS_REC | (requested & MS_PRIVATE ? MS_PRIVATE : MS_SLAVE), after: requested };
}

/** The plan's part that says how the process runs: what create and exec share. */
export type ProcessPlan = Pick<
  InitPlan,
  | 'rlimits'
  | 'uid'
  | 'gid'
  | 'additionalGids'
  | 'umask'
  | 'capabilities'
  | 'noNewPrivileges'
  | 'seccomp'
  | 'scheduler'
  | 'ioPriority'
  | 'cwd'
  | 'args'
  | 'env'
  | 'searchPath'
>;

/** `process` -> the plan's process part. `environment` is the process's environment
 * (HOME added, LISTEN_FDS...), each name kept once (dedupEnv); capabilities the runtime lacks are left out, named in
 * `unavailable`. */
export function planProcess(
  proc: Process,
  environment: string[],
  availableCaps: bigint,
  seccomp: { filter: Uint8Array; flags: number } | null,
): { plan: ProcessPlan; unavailable: string[] } {
  const { caps, unavailable } = planCapabilities(proc, availableCaps);
  const env = dedupEnv(environment);
  const plan: ProcessPlan = {
    rlimits: planRlimits(proc),
    uid: proc.user?.uid ?? 0,
    gid: proc.user?.gid ?? 0,
    additionalGids: proc.user?.additionalGids ?? [],
    umask: proc.user?.umask ?? 0o022,
    capabilities: caps,
    noNewPrivileges: proc.noNewPrivileges === true,
    seccomp,
    scheduler: planScheduler(proc),
    ioPriority: planIoPriority(proc),
    cwd: proc.cwd ?? '/',
    args: proc.args ?? [],
    env,
    searchPath: searchPath(env),
  };
  return { plan, unavailable };
}

/** process.consoleSize as the plan's rows and columns (0 and 0 without one). */
export function consoleSize(proc: Process): { consoleRows: number; consoleCols: number } {
  return { consoleRows: proc.consoleSize?.height ?? 0, consoleCols: proc.consoleSize?.width ?? 0 };
}

/** The warning for a capability the runtime cannot grant. */
export function unavailableCapWarning(name: string): string {
  return `capability ${name} is not available to the runtime and is left out`;
}

export function buildInitPlan(spec: Spec, ctx: PlanContext): PlanResult {
  const proc = spec.process ?? { args: [], cwd: '/' };
  const linux = spec.linux ?? {};
  const env = spec.process ? [...withHome(proc.env ?? [], ctx.passwd, proc.user?.uid ?? 0), ...ctx.extraEnv] : [];
  const userns = entersNamespace(ctx.namespaces, CLONE_NEWUSER);
  const newNet = entersNamespace(ctx.namespaces, CLONE_NEWNET);
  const hasCgroupNs = (spec.linux?.namespaces ?? []).some((n) => n.type === 'cgroup');
  const mounts = planMounts(spec.mounts ?? [], {
    bundle: ctx.bundle,
    statSource: ctx.statSource,
    cgroup2Direct: ctx.cgroupVersion === 2 && hasCgroupNs,
    cgroupSources: ctx.cgroupSources,
    cgroup2HostDir: ctx.cgroupVersion === 2 && !hasCgroupNs ? ctx.cgroup2HostDir : null,
    sysfsNeedsBind: userns && !newNet,
  });
  const devBound = (spec.mounts ?? []).some(
    (m) =>
      m.destination === '/dev' &&
      (m.type === 'bind' || (m.options ?? []).includes('rbind') || (m.options ?? []).includes('bind')),
  );
  const devices = devBound ? [] : planDevices(linux.devices ?? [], userns);
  const processPart = planProcess(proc, env, ctx.availableCaps, ctx.seccomp ?? null);
  const propagation = rootPropagations(linux.rootfsPropagation);
  const warnings = processPart.unavailable.map(unavailableCapWarning);
  const plan: InitPlan = {
    joins: ctx.namespaces.joins.map((j, i) => ({ type: j.type, fd: ctx.joinFds[i] ?? -1, index: j.index })),
    newNamespaces: ctx.namespaces.newNamespaces,
    hasUserMappings: ctx.namespaces.hasUserMappings,
    hasTimeOffsets: timeOffsetsText(linux.timeOffsets) !== null,
    cgroupFd: ctx.cgroupFd,
    rootFd: -1,
    rootfs: ctx.rootfs,
    rootPropagation: propagation.before,
    rootfsPropagation: propagation.after,
    rootReadonly: spec.root?.readonly === true,
    noPivot: ctx.noPivot,
    mounts: mounts.mounts,
    devices,
    symlinks: [...mounts.symlinks, ...(devBound ? [] : devSymlinks(linux.devices ?? []))],
    maskedPaths: linux.maskedPaths ?? [],
    readonlyPaths: linux.readonlyPaths ?? [],
    sysctls: Object.entries(linux.sysctl ?? {}).map(([key, value]) => ({ key, value, path: key.replace(/\./g, '/') })),
    hostname: spec.hostname ?? null,
    domainname: spec.domainname ?? null,
    sessionKeyring: ctx.newKeyring ? `_ses.${ctx.containerId}` : null,
    sessionKeyringPerm: keyringPerm(userns),
    ...processPart.plan,
    personality: planPersonality(spec.linux?.personality),
    // process.execCPUAffinity is for exec'd processes only (config.md).
    cpuAffinityInitial: null,
    cpuAffinityFinal: null,
    memoryPolicy: memoryPolicyPlan(linux.memoryPolicy),
    fifoFd: ctx.fifoFd,
    consoleSocketFd: ctx.consoleSocketFd,
    ...consoleSize(proc),
    preserveFds: ctx.preserveFds,
    inheritFds: ctx.inheritFds,
    // createContainer: the container is being created; startContainer: created, its
    // process not started yet (runc's statuses for both).
    createContainerHooks: planContainerHooks(spec.hooks?.createContainer, ctx.hookContainer, 'creating'),
    startContainerHooks: planContainerHooks(spec.hooks?.startContainer, ctx.hookContainer, 'created'),
    startReportFd: ctx.startReportFd,
  };
  return { plan, warnings };
}

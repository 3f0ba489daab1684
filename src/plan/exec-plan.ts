// The process to exec + what the runtime opened on the running container -> the plan of
// a child in join mode (plan.rootFd >= 0). Pure, like build.ts: no rootfs work, no new
// namespace; the process part is create's (planProcess).
import type { Process } from '../config/types';
import { consoleSize, keyringPerm, planProcess, unavailableCapWarning, type PlanResult } from './build';
import { CLONE_NEWUSER } from './constants';
import { withHome } from './creds';
import { planCpuMask } from './process-attributes';
import type { InitPlan } from './types';

export interface ExecPlanContext {
  containerId: string;
  /** Absolute host path of the container's rootfs (for messages; the child uses rootFd). */
  rootfs: string;
  /** The container's namespaces, opened on its init (user first). */
  joins: { type: number; fd: number }[];
  rootFd: number;
  /** Host fd of the container's cgroup2 directory (CLONE_INTO_CGROUP), or -1. */
  cgroupFd: number;
  /** The container's /etc/passwd, for HOME; null when it has none. */
  passwd: string | null;
  availableCaps: bigint;
  /** The container's linux.seccomp, compiled again for this process; null for none. */
  seccomp: { filter: Uint8Array; flags: number } | null;
  /** The container's linux.memoryPolicy in the plan's form (memoryPolicyPlan); null for none. */
  memoryPolicy: InitPlan['memoryPolicy'];
  /** Join "_ses.<id>" as the container's init did (create without --no-new-keyring). */
  newKeyring: boolean;
  consoleSocketFd: number;
  preserveFds: number;
  inheritFds: number[];
  /** Added to the process's env (LISTEN_FDS/LISTEN_PID for socket activation). */
  extraEnv: string[];
  /** personality(2)'s argument from the container's linux.personality, or -1. */
  personality: number;
  /** The host's possible CPUs, for process.execCPUAffinity. */
  cpuCount: number;
}

export function buildExecPlan(proc: Process, ctx: ExecPlanContext): PlanResult {
  const env = [...withHome(proc.env ?? [], ctx.passwd, proc.user?.uid ?? 0), ...ctx.extraEnv];
  const processPart = planProcess(proc, env, ctx.availableCaps, ctx.seccomp);
  const userns = ctx.joins.some((j) => j.type === CLONE_NEWUSER);
  const plan: InitPlan = {
    joins: ctx.joins.map((j, index) => ({ type: j.type, fd: j.fd, index })),
    newNamespaces: 0,
    hasUserMappings: false,
    cgroupFd: ctx.cgroupFd,
    rootFd: ctx.rootFd,
    rootfs: ctx.rootfs,
    rootPropagation: 0,
    rootfsPropagation: 0,
    rootReadonly: false,
    noPivot: false,
    mounts: [],
    devices: [],
    symlinks: [],
    maskedPaths: [],
    readonlyPaths: [],
    sysctls: [],
    hostname: null,
    domainname: null,
    sessionKeyring: ctx.newKeyring ? `_ses.${ctx.containerId}` : null,
    sessionKeyringPerm: keyringPerm(userns),
    ...processPart.plan,
    personality: ctx.personality,
    cpuAffinityInitial: planCpuMask(proc.execCPUAffinity?.initial, ctx.cpuCount),
    cpuAffinityFinal: planCpuMask(proc.execCPUAffinity?.final, ctx.cpuCount),
    memoryPolicy: ctx.memoryPolicy ?? null,
    fifoFd: -1,
    consoleSocketFd: ctx.consoleSocketFd,
    ...consoleSize(proc),
    preserveFds: ctx.preserveFds,
    inheritFds: ctx.inheritFds,
  };
  return { plan, warnings: processPart.unavailable.map(unavailableCapWarning) };
}

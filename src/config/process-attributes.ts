// The Linux names of process.scheduler, process.ioPriority, process.execCPUAffinity and
// linux.personality as data (the one table validation, the plan and tests read), and the
// pure checks of their values. Numbers are the kernel's (uapi sched.h, ioprio.h,
// personality.h).

/** SCHED_* policies. SCHED_ISO (4) is reserved by Linux but not implemented. */
export const SCHED_POLICIES: Readonly<Record<string, number>> = {
  SCHED_OTHER: 0,
  SCHED_FIFO: 1,
  SCHED_RR: 2,
  SCHED_BATCH: 3,
  SCHED_ISO: 4,
  SCHED_IDLE: 5,
  SCHED_DEADLINE: 6,
};

/** sched_attr.sched_flags bits. */
export const SCHED_FLAGS: Readonly<Record<string, number>> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01,
  SCHED_FLAG_RECLAIM: 0x02,
  SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10,
  SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

/** IOPRIO_CLASS_* (the value is class << 13 | level). */
export const IOPRIO_CLASSES: Readonly<Record<string, number>> = {
  IOPRIO_CLASS_RT: 1,
  IOPRIO_CLASS_BE: 2,
  IOPRIO_CLASS_IDLE: 3,
};
export const IOPRIO_CLASS_SHIFT = 13;

/** personality(2) domains. */
export const PERSONALITY_DOMAINS: Readonly<Record<string, number>> = {
  LINUX: 0x0000,
  LINUX32: 0x0008,
};

/** Real-time policies take a static priority 1..99; the others take 0. */
const REALTIME = new Set(['SCHED_FIFO', 'SCHED_RR']);
/** sched(7): deadline parameters are at least 1024 ns and below 2^63. */
const DEADLINE_MIN = 1024;
const DEADLINE_MAX = 2n ** 63n;

/** A problem with one scheduler field: `field` is relative to process.scheduler. */
export interface FieldProblem {
  field: string;
  problem: string;
}

interface SchedulerFields {
  policy: string;
  nice?: number;
  priority?: number;
  flags?: string[];
  runtime?: number;
  deadline?: number;
  period?: number;
}

function deadlineProblem(s: SchedulerFields): FieldProblem | undefined {
  for (const field of ['runtime', 'deadline', 'period'] as const) {
    const value = s[field];
    if (value === undefined) return { field, problem: 'is required by SCHED_DEADLINE' };
    if (value < DEADLINE_MIN || BigInt(value) >= DEADLINE_MAX)
      return { field, problem: `must be at least ${DEADLINE_MIN} ns and below 2^63, got ${value}` };
  }
  const { runtime = 0, deadline = 0, period = 0 } = s;
  if (runtime > deadline) return { field: 'runtime', problem: `${runtime} is above deadline ${deadline}` };
  if (deadline > period) return { field: 'deadline', problem: `${deadline} is above period ${period}` };
  return undefined;
}

/** What the kernel would refuse in a scheduler, said before anything is created. */
export function schedulerProblem(s: SchedulerFields): FieldProblem | undefined {
  if (!Object.hasOwn(SCHED_POLICIES, s.policy)) return { field: 'policy', problem: `unknown policy "${s.policy}"` };
  if (s.policy === 'SCHED_ISO') return { field: 'policy', problem: 'SCHED_ISO is not implemented by Linux' };
  if (s.nice !== undefined && (s.nice < -20 || s.nice > 19))
    return { field: 'nice', problem: `must be between -20 and 19, got ${s.nice}` };
  const priority = s.priority ?? 0;
  if (REALTIME.has(s.policy) && (priority < 1 || priority > 99))
    return { field: 'priority', problem: `must be between 1 and 99 for ${s.policy}, got ${priority}` };
  if (!REALTIME.has(s.policy) && priority !== 0)
    return { field: 'priority', problem: `must be 0 for ${s.policy}, got ${priority}` };
  const flags = s.flags ?? [];
  for (let i = 0; i < flags.length; i++) {
    if (!Object.hasOwn(SCHED_FLAGS, flags[i]!)) return { field: `flags[${i}]`, problem: `unknown flag "${flags[i]}"` };
  }
  if (s.policy === 'SCHED_DEADLINE') return deadlineProblem(s);
  for (const field of ['runtime', 'deadline', 'period'] as const) {
    if (s[field]) return { field, problem: `applies to SCHED_DEADLINE only, not ${s.policy}` };
  }
  return undefined;
}

/** The sched_attr.sched_flags of a flag list (names already checked). */
export function schedFlagBits(flags: readonly string[]): number {
  return flags.reduce((bits, name) => bits | (SCHED_FLAGS[name] ?? 0), 0);
}

/**
 * A CPU list ("0-3,7") as the sorted CPU numbers, or a problem. `cpuCount` is the number
 * of possible CPUs of the host: a CPU at or above it is refused. Spaces around entries are
 * allowed (the schema's pattern allows them); an empty list means none.
 */
export function parseCpuList(text: string, cpuCount: number): { cpus: number[] } | { problem: string } {
  const cpus = new Set<number>();
  if (text.trim() === '') return { cpus: [] };
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    const match = /^(\d+)(?:-(\d+))?$/.exec(entry);
    if (!match) return { problem: `invalid CPU list entry "${entry}" in "${text}"` };
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) return { problem: `invalid CPU range "${entry}": ${last} is below ${first}` };
    if (last >= cpuCount) return { problem: `CPU ${last} is beyond the host's possible CPUs (0-${cpuCount - 1})` };
    for (let cpu = first; cpu <= last; cpu++) cpus.add(cpu);
  }
  return { cpus: [...cpus].sort((a, b) => a - b) };
}

/** CPU numbers as a cpu_set_t for sched_setaffinity (bit N of byte N/8), 8-byte words. */
export function cpuMask(cpus: readonly number[]): Uint8Array {
  const highest = cpus.length ? Math.max(...cpus) : 0;
  const mask = new Uint8Array(Math.ceil((highest + 1) / 64) * 8);
  for (const cpu of cpus) mask[cpu >> 3]! |= 1 << (cpu & 7);
  return mask;
}

/** The number of CPUs "possible" on this host (/sys/devices/system/cpu/possible: "0-N"). */
export function possibleCpuCountOf(possible: string): number {
  const last = possible
    .trim()
    .split(',')
    .map((range) => Number(range.split('-').at(-1)))
    .reduce((a, b) => Math.max(a, b), 0);
  return last + 1;
}

// process.scheduler, process.ioPriority, process.execCPUAffinity and linux.personality ->
// the plan's numbers (names checked by config/semantics.ts before this runs).
import {
  IOPRIO_CLASS_SHIFT,
  IOPRIO_CLASSES,
  PERSONALITY_DOMAINS,
  SCHED_POLICIES,
  cpuMask,
  parseCpuList,
  schedFlagBits,
} from '../config/process-attributes';
import type { Personality, Process } from '../config/types';
import type { SchedulerStep } from './types';

export function planScheduler(proc: Process): SchedulerStep | null {
  const s = proc.scheduler;
  if (!s) return null;
  return {
    policy: SCHED_POLICIES[s.policy] ?? 0,
    flags: schedFlagBits(s.flags ?? []),
    nice: s.nice ?? 0,
    priority: s.priority ?? 0,
    runtime: BigInt(s.runtime ?? 0),
    deadline: BigInt(s.deadline ?? 0),
    period: BigInt(s.period ?? 0),
  };
}

/** ioprio_set's value, or -1 to leave the I/O priority as inherited. */
export function planIoPriority(proc: Process): number {
  const io = proc.ioPriority;
  if (!io) return -1;
  return ((IOPRIO_CLASSES[io.class] ?? 0) << IOPRIO_CLASS_SHIFT) | (io.priority ?? 0);
}

/** personality(2)'s argument, or -1 to leave it as inherited. */
export function planPersonality(personality: Personality | undefined): number {
  const domain = personality?.domain;
  return domain === undefined ? -1 : (PERSONALITY_DOMAINS[domain] ?? -1);
}

/** A CPU list as a mask; null for none (absent or empty: the kernel decides). */
export function planCpuMask(list: string | undefined, cpuCount: number): Uint8Array | null {
  if (list === undefined) return null;
  const parsed = parseCpuList(list, cpuCount);
  if ('problem' in parsed || parsed.cpus.length === 0) return null;
  return cpuMask(parsed.cpus);
}

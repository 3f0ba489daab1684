// linux.resources.cpu -> the cpu and cpuset controllers' files.
// v1: cpu.shares, cpu.cfs_period_us/cfs_quota_us/cfs_burst_us, cpu.rt_*; v2: cpu.weight
// (runc's conversion from shares), cpu.max "quota period", cpu.max.burst, cpu.idle. Both:
// cpuset.cpus and cpuset.mems. 0 means "not set" (docker writes shares 0).
import { ConfigError } from '../../errors';
import type { Resources } from '../../config/types';
import { collector, type HostView, type Translation } from './types';

type Cpu = NonNullable<Resources['cpu']>;
const AT = 'linux.resources.cpu';

/** runc's ConvertCPUSharesToCgroupV2Value: [2, 262144] onto [1, 10000]. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

function sharesKept(shares: number): (kept: string) => string | undefined {
  return (kept) => {
    const n = Number(kept.trim());
    if (!Number.isFinite(n) || n === shares) return undefined;
    return `the ${shares > n ? 'maximum' : 'minimum'} allowed cpu-shares is ${n}`;
  };
}

function cpusets(cpu: Cpu, out: ReturnType<typeof collector>): void {
  if (cpu.cpus) out.write('cpuset', 'cpuset.cpus', cpu.cpus, `${AT}.cpus`);
  if (cpu.mems) out.write('cpuset', 'cpuset.mems', cpu.mems, `${AT}.mems`);
}

function v1(cpu: Cpu): Translation {
  const out = collector();
  // The kernel clamps shares to [2, 262144]: runc reads them back and names the bound.
  if (cpu.shares) out.checked('cpu', 'cpu.shares', String(cpu.shares), `${AT}.shares`, sharesKept(cpu.shares));
  if (cpu.period) out.write('cpu', 'cpu.cfs_period_us', String(cpu.period), `${AT}.period`);
  if (cpu.quota) out.write('cpu', 'cpu.cfs_quota_us', String(cpu.quota), `${AT}.quota`);
  // After the quota (burst may not exceed it); a kernel without burst lets "0" pass.
  if (cpu.burst !== undefined) out.write('cpu', 'cpu.cfs_burst_us', String(cpu.burst), `${AT}.burst`, cpu.burst === 0);
  if (cpu.realtimePeriod) out.write('cpu', 'cpu.rt_period_us', String(cpu.realtimePeriod), `${AT}.realtimePeriod`);
  if (cpu.realtimeRuntime) out.write('cpu', 'cpu.rt_runtime_us', String(cpu.realtimeRuntime), `${AT}.realtimeRuntime`);
  if (cpu.idle !== undefined) out.note(`${AT}.idle is ignored on cgroup v1 (as runc does)`);
  cpusets(cpu, out);
  return out;
}

function v2(cpu: Cpu): Translation {
  const out = collector();
  for (const field of ['realtimeRuntime', 'realtimePeriod'] as const)
    if (cpu[field]) throw new ConfigError(`${AT}.${field}`, 'realtime scheduling is not supported on cgroup v2');
  if (cpu.idle !== undefined) out.write('cpu', 'cpu.idle', String(cpu.idle), `${AT}.idle`);
  if (cpu.shares) out.write('cpu', 'cpu.weight', String(sharesToWeight(cpu.shares)), `${AT}.shares`);
  if (cpu.quota || cpu.period) {
    // runc always writes the period, the kernel's default (100000) when none is given.
    const quota = cpu.quota && cpu.quota > 0 ? String(cpu.quota) : 'max';
    const at = cpu.quota ? `${AT}.quota` : `${AT}.period`;
    out.write('cpu', 'cpu.max', `${quota} ${cpu.period || 100000}`, at);
  }
  if (cpu.burst !== undefined) out.write('cpu', 'cpu.max.burst', String(cpu.burst), `${AT}.burst`, cpu.burst === 0);
  cpusets(cpu, out);
  return out;
}

export function cpuWrites(cpu: Cpu | undefined, host: HostView): Translation {
  if (!cpu) return collector();
  return host.version === 1 ? v1(cpu) : v2(cpu);
}

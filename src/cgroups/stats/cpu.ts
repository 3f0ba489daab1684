// CPU time and throttling. v1: cpuacct's usage files and the cpu controller's cpu.stat;
// v2: cpu.stat alone (microseconds, turned into nanoseconds), as runc's fs and fs2 do.
import { fileLines, type StatDir } from './files';
import type { CpuStats } from './types';

/** cpuacct.stat counts USER_HZ ticks; runc takes USER_HZ as 100, as the kernel exports it. */
const NS_PER_TICK = 1_000_000_000n / 100n;

/** v1 cpu.stat: the throttling counters (no file, nothing). */
export function readCpuV1(cpu: StatDir, into: CpuStats): void {
  const text = cpu.readIfThere('cpu.stat');
  if (text === undefined) return;
  for (const [key, value] of cpu.keyValues('cpu.stat', text)) {
    if (key === 'nr_periods') into.throttling.periods = value;
    else if (key === 'nr_throttled') into.throttling.throttledPeriods = value;
    else if (key === 'throttled_time') into.throttling.throttledTime = value;
  }
}

/** cpuacct.stat: "user N\nsystem N" in ticks -> [user, kernel] in nanoseconds. */
function usageBreakdown(cpuacct: StatDir): [bigint, bigint] {
  const file = 'cpuacct.stat';
  const text = cpuacct.read(file);
  const f = text.split(/\s+/).filter(Boolean);
  if (f.length < 4 || f[0] !== 'user' || f[2] !== 'system')
    throw cpuacct.parseError(file, `malformed line ${JSON.stringify(text)}`);
  const ticks = (s: string) => {
    if (!/^[0-9]+$/.test(s)) throw cpuacct.parseError(file, `strconv.ParseUint: parsing "${s}": invalid syntax`);
    return BigInt(s);
  };
  return [ticks(f[1] as string) * NS_PER_TICK, ticks(f[3] as string) * NS_PER_TICK];
}

/** cpuacct.usage_all: a "cpu user system" header, then one line per CPU (optional file). */
function percpuModes(cpuacct: StatDir): { kernel: bigint[]; user: bigint[] } {
  const file = 'cpuacct.usage_all';
  const kernel: bigint[] = [];
  const user: bigint[] = [];
  const text = cpuacct.readIfThere(file);
  if (text === undefined) return { kernel, user };
  const [header = '', ...rows] = fileLines(text);
  if (!header.startsWith('cpu user system')) throw cpuacct.parseError(file, `malformed line ${JSON.stringify(header)}`);
  for (const row of rows) {
    const f = row.split(' ');
    if (f.length < 3) continue;
    for (const [i, list] of [
      [1, user],
      [2, kernel],
    ] as const) {
      const s = f[i] as string;
      if (!/^[0-9]+$/.test(s)) throw cpuacct.parseError(file, `strconv.ParseUint: parsing "${s}": invalid syntax`);
      list.push(BigInt(s));
    }
  }
  return { kernel, user };
}

/** v1 cpuacct: total, per CPU, user and kernel (no cgroup, nothing). */
export function readCpuacctV1(cpuacct: StatDir, into: CpuStats): void {
  if (!cpuacct.exists()) return;
  const [user, kernel] = usageBreakdown(cpuacct);
  const total = cpuacct.uint('cpuacct.usage');
  const percpu = cpuacct
    .read('cpuacct.usage_percpu')
    .split(/\s+/)
    .filter(Boolean)
    .map((s) => {
      if (!/^[0-9]+$/.test(s))
        throw cpuacct.parseError('cpuacct.usage_percpu', `strconv.ParseUint: parsing "${s}": invalid syntax`);
      return BigInt(s);
    });
  const modes = percpuModes(cpuacct);
  Object.assign(into.usage, {
    total,
    percpu,
    percpu_kernel: modes.kernel,
    percpu_user: modes.user,
    user,
    kernel,
  });
}

/** v2 cpu.stat: usage and throttling, microseconds -> nanoseconds. */
export function readCpuV2(dir: StatDir, into: CpuStats): void {
  for (const [key, value] of dir.keyValues('cpu.stat')) {
    if (key === 'usage_usec') into.usage.total = value * 1000n;
    else if (key === 'user_usec') into.usage.user = value * 1000n;
    else if (key === 'system_usec') into.usage.kernel = value * 1000n;
    else if (key === 'nr_periods') into.throttling.periods = value;
    else if (key === 'nr_throttled') into.throttling.throttledPeriods = value;
    else if (key === 'throttled_usec') into.throttling.throttledTime = value * 1000n;
  }
}

// v1 cpuset: the CPU and memory-node lists and the flags, as runc's fs driver reads them.
// Every file is optional; an empty list file is a parse error, as in runc. (runc's fs2
// driver reports no cpuset statistics.)
import { StatFileError, type StatDir } from './files';
import type { CpusetStats } from './types';

/** "0-3,8" -> [0, 1, 2, 3, 8]. */
export function parseCpuList(text: string): number[] {
  if (text === '') throw new Error('empty file');
  const out: number[] = [];
  const num = (s: string) => {
    if (!/^[0-9]+$/.test(s) || Number(s) > 0xffff) throw new Error(`strconv.ParseUint: parsing "${s}": invalid syntax`);
    return Number(s);
  };
  for (const part of text.split(',')) {
    const dash = part.indexOf('-');
    if (dash < 0) {
      out.push(num(part));
      continue;
    }
    const from = num(part.slice(0, dash));
    const to = num(part.slice(dash + 1));
    if (from > to) throw new Error('invalid values, from > to');
    for (let i = from; i <= to; i++) out.push(i);
  }
  return out;
}

type Flag = Exclude<keyof CpusetStats, 'cpus' | 'mems' | 'sched_relax_domain_level'>;
const FLAGS: Flag[] = [
  'cpu_exclusive',
  'mem_hardwall',
  'mem_exclusive',
  'memory_migrate',
  'memory_spread_page',
  'memory_spread_slab',
  'memory_pressure',
  'sched_load_balance',
];

/** A value, or undefined when the file is not there. */
function optional<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (err instanceof StatFileError && err.missing) return undefined;
    throw err;
  }
}

export function readCpusetV1(dir: StatDir, into: CpusetStats): void {
  // A cpuset hierarchy mounted with noprefix names its files without "cpuset.".
  const prefix = dir.readIfThere('cpuset.cpus') === undefined && dir.readIfThere('cpus') !== undefined ? '' : 'cpuset.';
  const list = (name: string) =>
    optional(() => {
      const file = `${prefix}${name}`;
      const text = dir.read(file).trim();
      try {
        return parseCpuList(text);
      } catch (err) {
        throw dir.parseError(file, (err as Error).message);
      }
    });
  into.cpus = list('cpus') ?? [];
  into.mems = list('mems') ?? [];
  for (const flag of FLAGS) into[flag] = optional(() => dir.uint(`${prefix}${flag}`)) ?? 0n;
  into.sched_relax_domain_level = optional(() => dir.int(`${prefix}sched_relax_domain_level`)) ?? 0n;
}

// The lines `events` prints, exactly as runc's Go encoder writes its types/events.go:
// {"type":"stats","id":ID,"data":{...}} and {"type":"oom","id":ID}. Field order is the Go
// structs'; "omitempty" fields are left out when zero or empty, "omitzero" structs when all
// zero; map keys are sorted; uint64 counters are printed exactly (bigint).
import {
  BLKIO_LISTS,
  type BlkioEntry,
  type CgroupStats,
  type MemoryEntry,
  type PsiData,
  type PsiStats,
} from '../cgroups/stats/types';

/** A value Go's encoder would write: a Map is a Go map (keys sorted), a plain object a
 * struct (its fields in order, undefined ones left out). */
type GoValue =
  | bigint
  | number
  | string
  | null
  | GoValue[]
  | Map<string, GoValue>
  | { [field: string]: GoValue | undefined };

/** Go escapes <, > and & (and U+2028/2029) in strings; JSON.stringify does the rest alike. */
function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Go's float64 encoding: like JS for the values PSI has (0 to 100, two decimals). */
function goJson(v: GoValue): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'string') return goString(v);
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (v instanceof Map)
    return `{${[...v.keys()]
      .sort()
      .map((k) => `${goString(k)}:${goJson(v.get(k) as GoValue)}`)
      .join(',')}}`;
  const fields = Object.entries(v).filter((e): e is [string, GoValue] => e[1] !== undefined);
  return `{${fields.map(([k, x]) => `${goString(k)}:${goJson(x)}`).join(',')}}`;
}

/** omitempty on a number or a list. */
const nz = (v: bigint): bigint | undefined => (v === 0n ? undefined : v);
const some = <T extends GoValue>(list: T[]): T[] | undefined => (list.length === 0 ? undefined : list);
/** omitzero on a struct of counters: left out when every one is zero (or empty). */
const allZero = (o: object) =>
  Object.values(o).every((x) => x === 0n || x === 0 || (Array.isArray(x) && x.length === 0));

function psiData(d: PsiData): GoValue | undefined {
  return allZero(d) ? undefined : { avg10: d.avg10, avg60: d.avg60, avg300: d.avg300, total: d.total };
}

/** *PSIStats with omitempty: left out when nil, `{}` when there but all zero. */
function psi(p: PsiStats | undefined): GoValue | undefined {
  return p && { some: psiData(p.some), full: psiData(p.full) };
}

function memoryEntry(e: MemoryEntry): GoValue | undefined {
  return allZero(e) ? undefined : { limit: e.limit, usage: nz(e.usage), max: nz(e.max), failcnt: e.failcnt };
}

function blkioEntry(e: BlkioEntry): GoValue {
  return { major: nz(e.major), minor: nz(e.minor), op: e.op === '' ? undefined : e.op, value: nz(e.value) };
}

function statsData(s: CgroupStats): GoValue {
  const u = s.cpu.usage;
  const th = s.cpu.throttling;
  const c = s.cpuset;
  const m = s.memory;
  return {
    cpu: {
      usage: allZero(u)
        ? undefined
        : {
            total: nz(u.total),
            percpu: some(u.percpu),
            percpu_kernel: some(u.percpu_kernel),
            percpu_user: some(u.percpu_user),
            kernel: u.kernel,
            user: u.user,
          },
      throttling: allZero(th)
        ? undefined
        : { periods: nz(th.periods), throttledPeriods: nz(th.throttledPeriods), throttledTime: nz(th.throttledTime) },
      psi: psi(s.cpu.psi),
    },
    cpuset: {
      cpus: some(c.cpus),
      cpu_exclusive: c.cpu_exclusive,
      mems: some(c.mems),
      mem_hardwall: c.mem_hardwall,
      mem_exclusive: c.mem_exclusive,
      memory_migrate: c.memory_migrate,
      memory_spread_page: c.memory_spread_page,
      memory_spread_slab: c.memory_spread_slab,
      memory_pressure: c.memory_pressure,
      sched_load_balance: c.sched_load_balance,
      sched_relax_domain_level: c.sched_relax_domain_level,
    },
    memory: {
      cache: nz(m.cache),
      usage: memoryEntry(m.usage),
      swap: memoryEntry(m.swap),
      kernel: memoryEntry(m.kernel),
      kernelTCP: memoryEntry(m.kernelTCP),
      raw: m.raw.size === 0 ? undefined : new Map(m.raw),
      psi: psi(m.psi),
    },
    pids: { current: nz(s.pids.current), limit: nz(s.pids.limit) },
    blkio: {
      ...Object.fromEntries(BLKIO_LISTS.map((l) => [l, some(s.blkio.lists[l].map(blkioEntry))])),
      psi: psi(s.blkio.psi),
    },
    hugetlb: new Map(
      [...s.hugetlb].map(([size, h]) => [size, { usage: nz(h.usage), max: nz(h.max), failcnt: h.failcnt }]),
    ),
    intel_rdt: {},
    // runc reports interfaces only for the veth networks of its own configs; an OCI
    // bundle has none, so runc prints null too.
    network_interfaces: null,
  };
}

export function statsEventLine(id: string, stats: CgroupStats): string {
  return `${goJson({ type: 'stats', id, data: statsData(stats) })}\n`;
}

export function oomEventLine(id: string): string {
  return `${goJson({ type: 'oom', id })}\n`;
}

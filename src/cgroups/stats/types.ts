// A container's cgroup statistics, shaped as runc's `events` prints them (runc's
// types/events.go): the readers fill it, container/event-json.ts renders it. Counters are
// uint64 in the kernel (an unlimited v1 memory limit is 2^63 - 4096, "max" is 2^64 - 1), so
// they are bigints: a JS number would round them.

interface CpuUsage {
  /** Nanoseconds, as every time here. */
  total: bigint;
  percpu: bigint[];
  percpu_kernel: bigint[];
  percpu_user: bigint[];
  kernel: bigint;
  user: bigint;
}

interface Throttling {
  periods: bigint;
  throttledPeriods: bigint;
  throttledTime: bigint;
}

export interface PsiData {
  avg10: number;
  avg60: number;
  avg300: number;
  total: bigint;
}

/** Pressure stall information (cgroup v2 *.pressure files). */
export interface PsiStats {
  some: PsiData;
  full: PsiData;
}

export interface CpuStats {
  usage: CpuUsage;
  throttling: Throttling;
  psi?: PsiStats;
}

export interface CpusetStats {
  cpus: number[];
  cpu_exclusive: bigint;
  mems: number[];
  mem_hardwall: bigint;
  mem_exclusive: bigint;
  memory_migrate: bigint;
  memory_spread_page: bigint;
  memory_spread_slab: bigint;
  memory_pressure: bigint;
  sched_load_balance: bigint;
  sched_relax_domain_level: bigint;
}

export interface MemoryEntry {
  limit: bigint;
  usage: bigint;
  max: bigint;
  failcnt: bigint;
}

export interface MemoryStats {
  cache: bigint;
  usage: MemoryEntry;
  swap: MemoryEntry;
  kernel: MemoryEntry;
  kernelTCP: MemoryEntry;
  /** memory.stat, key by key. */
  raw: Map<string, bigint>;
  psi?: PsiStats;
}

export interface PidsStats {
  current: bigint;
  /** 0 when unlimited ("max"), as runc. */
  limit: bigint;
}

export interface BlkioEntry {
  major: bigint;
  minor: bigint;
  /** "Read", "Write", "Sync", "Async", "Discard", "Total", or "" (sectors, time). */
  op: string;
  value: bigint;
}

/** The blkio lists, under their JSON names (runc spells the queued one "ioQueueRecursive"). */
export const BLKIO_LISTS = [
  'ioServiceBytesRecursive',
  'ioServicedRecursive',
  'ioQueueRecursive',
  'ioServiceTimeRecursive',
  'ioWaitTimeRecursive',
  'ioMergedRecursive',
  'ioTimeRecursive',
  'sectorsRecursive',
] as const;

export type BlkioList = (typeof BLKIO_LISTS)[number];

export interface BlkioStats {
  lists: Record<BlkioList, BlkioEntry[]>;
  psi?: PsiStats;
}

export interface HugetlbStats {
  usage: bigint;
  max: bigint;
  failcnt: bigint;
}

export interface CgroupStats {
  cpu: CpuStats;
  cpuset: CpusetStats;
  memory: MemoryStats;
  pids: PidsStats;
  blkio: BlkioStats;
  /** By page size, "2MB", "1GB". */
  hugetlb: Map<string, HugetlbStats>;
}

export function emptyMemoryEntry(): MemoryEntry {
  return { limit: 0n, usage: 0n, max: 0n, failcnt: 0n };
}

export function emptyStats(): CgroupStats {
  const lists = Object.fromEntries(BLKIO_LISTS.map((l) => [l, []])) as unknown as Record<BlkioList, BlkioEntry[]>;
  return {
    cpu: {
      usage: { total: 0n, percpu: [], percpu_kernel: [], percpu_user: [], kernel: 0n, user: 0n },
      throttling: { periods: 0n, throttledPeriods: 0n, throttledTime: 0n },
    },
    cpuset: {
      cpus: [],
      cpu_exclusive: 0n,
      mems: [],
      mem_hardwall: 0n,
      mem_exclusive: 0n,
      memory_migrate: 0n,
      memory_spread_page: 0n,
      memory_spread_slab: 0n,
      memory_pressure: 0n,
      sched_load_balance: 0n,
      sched_relax_domain_level: 0n,
    },
    memory: {
      cache: 0n,
      usage: emptyMemoryEntry(),
      swap: emptyMemoryEntry(),
      kernel: emptyMemoryEntry(),
      kernelTCP: emptyMemoryEntry(),
      raw: new Map(),
    },
    pids: { current: 0n, limit: 0n },
    blkio: { lists },
    hugetlb: new Map(),
  };
}

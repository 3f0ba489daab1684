// `update`: the resources a container has (kept in state.json) and the ones asked for ->
// what to keep next and what to write now. Only what the update gives is written, with
// the values that go in pairs completed from what the container has: memory.limit with
// memory.swap (v1 orders the two writes by the current limit, v2's swap file holds
// swap - limit) and cpu.quota with cpu.period (v2's cpu.max holds both). runc's update
// changes memory (limit, reservation, swap), cpu, blockIO, pids and unified; the rest of
// linux.resources (devices, hugepageLimits, network, rdma; memory's swappiness,
// disableOOMKiller) is left as it is, as runc leaves it.
import type { Resources } from '../config/types';

type Memory = NonNullable<Resources['memory']>;
type Cpu = NonNullable<Resources['cpu']>;
type BlockIO = NonNullable<Resources['blockIO']>;

export interface UpdatePlan {
  /** The container's resources after the update (what state.json keeps). */
  kept: Resources;
  /** What to write now. */
  writes: Resources;
  /** Fields given but not updated, as JSON paths ("hugepageLimits", "memory.swappiness"). */
  unused: string[];
  /** memory.kernel or kernelTCP was given (runc warns that they are ignored). */
  kernelMemory: boolean;
}

/** The part of linux.resources `update` can change: what create keeps in state.json. */
export function updatableResources(r: Resources | undefined): Resources {
  const kept: Resources = {};
  if (r?.memory) {
    const { limit, reservation, swap, checkBeforeUpdate } = r.memory;
    kept.memory = strip({ limit, reservation, swap, checkBeforeUpdate });
  }
  if (r?.cpu) kept.cpu = { ...r.cpu };
  if (r?.blockIO) kept.blockIO = structuredClone(r.blockIO);
  if (r?.pids) kept.pids = { ...r.pids };
  return kept;
}

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function mergeMemory(had: Memory, given: Memory, plan: UpdatePlan): void {
  const kept: Memory = { ...had };
  const writes: Memory = {};
  if (given.limit !== undefined || given.swap !== undefined) {
    if (given.limit !== undefined) kept.limit = given.limit;
    // runc: an unlimited memory with no swap given makes swap unlimited too (0 -> -1).
    if (given.swap !== undefined) kept.swap = given.swap;
    else if (given.limit === -1) kept.swap = 0;
    Object.assign(writes, strip({ limit: kept.limit, swap: kept.swap }));
  }
  if (given.reservation !== undefined) kept.reservation = writes.reservation = given.reservation;
  if (given.checkBeforeUpdate !== undefined) kept.checkBeforeUpdate = given.checkBeforeUpdate;
  if (kept.checkBeforeUpdate) writes.checkBeforeUpdate = true;
  for (const field of ['swappiness', 'disableOOMKiller', 'useHierarchy'] as const)
    if (given[field] !== undefined) plan.unused.push(`memory.${field}`);
  plan.kernelMemory = given.kernel !== undefined || given.kernelTCP !== undefined;
  plan.kept.memory = strip(kept);
  if (Object.keys(writes).length > 0) plan.writes.memory = writes;
}

function mergeCpu(had: Cpu, given: Cpu, plan: UpdatePlan): void {
  const kept: Cpu = { ...had };
  const writes: Cpu = {};
  // 0 is "not set" for both: one given alone keeps the other's value (runc does the same).
  if (given.quota || given.period) {
    if (given.quota) kept.quota = given.quota;
    if (given.period) kept.period = given.period;
    Object.assign(writes, strip({ quota: kept.quota, period: kept.period }));
  }
  for (const field of ['shares', 'burst', 'realtimePeriod', 'realtimeRuntime', 'idle'] as const)
    if (given[field] !== undefined) kept[field] = writes[field] = given[field];
  for (const field of ['cpus', 'mems'] as const) if (given[field]) kept[field] = writes[field] = given[field];
  plan.kept.cpu = kept;
  if (Object.keys(writes).length > 0) plan.writes.cpu = writes;
}

type Device = { major: number; minor: number };

/** runc's upsert: the entry for the same device changes, a new device is added. */
function upsert<D extends Device>(list: D[] | undefined, given: D[] | undefined, merge: (old: D, d: D) => D): D[] {
  const out = [...(list ?? [])];
  for (const d of given ?? []) {
    let i = out.length - 1; // the last entry for a device is the one the kernel keeps
    while (i >= 0 && !((out[i] as D).major === d.major && (out[i] as D).minor === d.minor)) i--;
    if (i >= 0) out[i] = merge(out[i] as D, d);
    else out.push(d);
  }
  return out;
}

const THROTTLES = [
  'throttleReadBpsDevice',
  'throttleWriteBpsDevice',
  'throttleReadIOPSDevice',
  'throttleWriteIOPSDevice',
] as const;

function mergeBlockIO(had: BlockIO, given: BlockIO, plan: UpdatePlan): void {
  const kept: BlockIO = structuredClone(had);
  if (given.weight !== undefined) kept.weight = given.weight;
  if (given.leafWeight !== undefined) kept.leafWeight = given.leafWeight;
  if (given.weightDevice)
    kept.weightDevice = upsert(kept.weightDevice, given.weightDevice, (o, d) => ({ ...o, ...strip(d) }));
  for (const field of THROTTLES)
    if (given[field]) kept[field] = upsert(kept[field], given[field], (o, d) => ({ ...o, rate: d.rate }));
  plan.kept.blockIO = kept;
  if (Object.keys(given).length > 0) plan.writes.blockIO = structuredClone(given);
}

export function planUpdate(had: Resources, given: Resources): UpdatePlan {
  const plan: UpdatePlan = { kept: structuredClone(had), writes: {}, unused: [], kernelMemory: false };
  if (given.memory) mergeMemory(had.memory ?? {}, given.memory, plan);
  if (given.cpu) mergeCpu(had.cpu ?? {}, given.cpu, plan);
  if (given.blockIO) mergeBlockIO(had.blockIO ?? {}, given.blockIO, plan);
  if (given.pids) {
    plan.kept.pids = { ...given.pids };
    plan.writes.pids = { ...given.pids };
  }
  // As runc: unified is written, not kept (a later update does not write it again).
  if (given.unified) plan.writes.unified = { ...given.unified };
  for (const field of ['devices', 'hugepageLimits', 'network', 'rdma'] as const)
    if (given[field] !== undefined) plan.unused.push(field);
  return plan;
}

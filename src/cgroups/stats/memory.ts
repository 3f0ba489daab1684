// Memory usage, limits and memory.stat, as runc's fs (v1) and fs2 (v2) drivers read them.
// v1 reads usage, max usage, failcnt and limit of memory, memory.memsw (swap), memory.kmem
// and memory.kmem.tcp; v2 reads memory.current/max/peak and memory.swap.*, and reports swap
// as memory plus swap, v1's memsw meaning.
import { MAX_UINT64, StatFileError, type StatDir } from './files';
import { type MemoryEntry, type MemoryStats, emptyMemoryEntry } from './types';

/** One v1 counter group: "memory" or "memory.<name>". The optional groups (memsw, kmem,
 * kmem.tcp: kernel options) are empty when their usage file is missing; kmem's limit file
 * is gone in newer kernels. */
function entryV1(dir: StatDir, name: string): MemoryEntry {
  const base = name === '' ? 'memory' : `memory.${name}`;
  let usage: bigint;
  try {
    usage = dir.uint(`${base}.usage_in_bytes`);
  } catch (err) {
    if (name !== '' && err instanceof StatFileError && err.missing) return emptyMemoryEntry();
    throw err;
  }
  const entry = {
    usage,
    max: dir.uint(`${base}.max_usage_in_bytes`),
    failcnt: dir.uint(`${base}.failcnt`),
    limit: 0n,
  };
  if (name === 'kmem' && dir.readIfThere(`${base}.limit_in_bytes`) === undefined) return entry;
  entry.limit = dir.uint(`${base}.limit_in_bytes`);
  return entry;
}

/** memory.stat into `raw` (every key, in file order). */
function readRaw(dir: StatDir, into: MemoryStats, text: string): void {
  for (const [key, value] of dir.keyValues('memory.stat', text)) into.raw.set(key, value);
}

/** v1: no memory.stat (no cgroup), nothing. */
export function readMemoryV1(dir: StatDir, into: MemoryStats): void {
  const text = dir.readIfThere('memory.stat');
  if (text === undefined) return;
  readRaw(dir, into, text);
  into.cache = into.raw.get('cache') ?? 0n;
  into.usage = entryV1(dir, '');
  into.swap = entryV1(dir, 'memsw');
  into.kernel = entryV1(dir, 'kmem');
  into.kernelTCP = entryV1(dir, 'kmem.tcp');
}

/** One v2 group: "memory" or "memory.swap" (.current, .max and, where the kernel has it,
 * .peak). memory.swap is optional (no swap accounting): empty then. */
function entryV2(dir: StatDir, name: string): MemoryEntry {
  const base = name === '' ? 'memory' : `memory.${name}`;
  let usage: bigint;
  try {
    usage = dir.uint(`${base}.current`);
  } catch (err) {
    if (name !== '' && err instanceof StatFileError && err.missing) return emptyMemoryEntry();
    throw err;
  }
  const limit = dir.uint(`${base}.max`);
  const max = dir.readIfThere(`${base}.peak`) === undefined ? 0n : dir.uint(`${base}.peak`);
  return { usage, limit, max, failcnt: 0n };
}

/** v2: memory.stat, then usage; a missing file throws (the caller decides, as runc). */
export function readMemoryV2(dir: StatDir, into: MemoryStats): void {
  readRaw(dir, into, dir.read('memory.stat'));
  into.cache = into.raw.get('file') ?? 0n;
  const memory = entryV2(dir, '');
  into.usage = memory;
  const swapOnly = entryV2(dir, 'swap');
  // runc adds the limits in uint64: an unlimited memory.max with a finite swap.max wraps.
  into.swap = {
    usage: (swapOnly.usage + memory.usage) & MAX_UINT64,
    limit: swapOnly.limit === MAX_UINT64 ? MAX_UINT64 : (swapOnly.limit + memory.limit) & MAX_UINT64,
    max: 0n,
    failcnt: swapOnly.failcnt,
  };
}

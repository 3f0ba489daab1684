// linux.resources.memory -> the memory controller's files.
// v1: memory.limit_in_bytes, memory.memsw.limit_in_bytes (memory + swap), soft_limit,
// swappiness, oom_control. v2: memory.max, memory.swap.max (swap alone), memory.low.
// As in runc: 0 means "not set", -1 means unlimited; kernel and kernelTCP are deprecated
// and ignored (runc >= 1.1); checkBeforeUpdate matters only to `update`.
import { ConfigError } from '../../errors';
import type { Resources } from '../../config/types';
import { collector, type HostView, type Translation, v2Value } from './types';

type Memory = NonNullable<Resources['memory']>;
const AT = 'linux.resources.memory';

function ignoredNotes(memory: Memory, note: (text: string) => void): void {
  for (const field of ['kernel', 'kernelTCP'] as const)
    if (memory[field] !== undefined && memory[field] !== 0)
      note(`${AT}.${field} is deprecated and ignored (as runc >= 1.1 does)`);
  if (memory.useHierarchy !== undefined)
    note(`${AT}.useHierarchy is ignored (the kernel's memory cgroups are always hierarchical)`);
}

/** The kernel's current v1 limit, as a number (unlimited is a very large one). */
function currentV1Limit(host: HostView): number {
  const text = host.read('memory', 'memory.limit_in_bytes')?.trim();
  const n = text ? Number(text) : Number.NaN;
  return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER;
}

/** runc's ConvertMemorySwapToCgroupV2Value: the spec's swap is memory+swap, v2's is swap. */
export function swapForV2(swap: number, limit: number): number {
  if (limit === -1 && swap === 0) return -1; // both unlimited, as on v1
  if (swap === -1 || swap === 0) return swap;
  if (limit === 0 || limit === -1) throw new ConfigError(`${AT}.swap`, 'unable to set swap limit without memory limit');
  if (limit < 0) throw new ConfigError(`${AT}.limit`, `invalid memory value: ${limit}`);
  if (swap < limit) throw new ConfigError(`${AT}.swap`, 'memory+swap limit should be >= memory limit');
  return swap - limit;
}

function v1(memory: Memory, host: HostView): Translation {
  const out = collector();
  const limit = memory.limit ?? 0;
  // runc: an unlimited memory with no swap given makes swap unlimited too.
  const swap = limit === -1 && (memory.swap ?? 0) === 0 ? -1 : (memory.swap ?? 0);
  const writeLimit = () => out.write('memory', 'memory.limit_in_bytes', String(limit), `${AT}.limit`);
  const writeSwap = () => out.write('memory', 'memory.memsw.limit_in_bytes', String(swap), `${AT}.swap`);
  if (limit !== 0 && swap !== 0) {
    // The kernel wants memory <= memory+swap at every step: raising, swap goes first.
    if (swap === -1 || currentV1Limit(host) < swap) {
      writeSwap();
      writeLimit();
    } else {
      writeLimit();
      writeSwap();
    }
  } else {
    if (limit !== 0) writeLimit();
    if (swap !== 0) writeSwap();
  }
  if (memory.reservation !== undefined && memory.reservation !== 0)
    out.write('memory', 'memory.soft_limit_in_bytes', String(memory.reservation), `${AT}.reservation`);
  if (memory.swappiness !== undefined && memory.swappiness !== -1) {
    if (memory.swappiness < 0 || memory.swappiness > 100)
      throw new ConfigError(`${AT}.swappiness`, `invalid value ${memory.swappiness} (valid range is 0-100)`);
    out.write('memory', 'memory.swappiness', String(memory.swappiness), `${AT}.swappiness`);
  }
  if (memory.disableOOMKiller) out.write('memory', 'memory.oom_control', '1', `${AT}.disableOOMKiller`);
  ignoredNotes(memory, out.note);
  return out;
}

function v2(memory: Memory): Translation {
  const out = collector();
  const limit = memory.limit ?? 0;
  const givenSwap = memory.swap ?? 0;
  const swap = swapForV2(givenSwap, limit);
  // runc: memory == memory+swap means "no swap": write 0 (never an empty string).
  const swapText = v2Value(swap) ?? (swap === 0 && givenSwap > 0 ? '0' : undefined);
  // Without swap accounting memory.swap.max is absent: runc lets "max" and "0" pass then.
  if (swapText !== undefined)
    out.write('memory', 'memory.swap.max', swapText, `${AT}.swap`, swapText === 'max' || swapText === '0');
  const max = v2Value(limit);
  if (max !== undefined) out.write('memory', 'memory.max', max, `${AT}.limit`);
  const low = v2Value(memory.reservation);
  if (low !== undefined) out.write('memory', 'memory.low', low, `${AT}.reservation`);
  if (memory.swappiness !== undefined && memory.swappiness !== -1) {
    if (memory.swappiness < 0 || memory.swappiness > 100)
      throw new ConfigError(`${AT}.swappiness`, `invalid value ${memory.swappiness} (valid range is 0-100)`);
    out.note(`${AT}.swappiness is ignored on cgroup v2 (no memory.swappiness file)`);
  }
  if (memory.disableOOMKiller) out.note(`${AT}.disableOOMKiller is ignored on cgroup v2 (no memory.oom_control file)`);
  ignoredNotes(memory, out.note);
  return out;
}

export function memoryWrites(memory: Memory | undefined, host: HostView): Translation {
  if (!memory) return collector();
  return host.version === 1 ? v1(memory, host) : v2(memory);
}

// What the `events` stream watches besides statistics, in the container's memory cgroup:
// its count of OOM kills (v1 memory.oom_control, v2 memory.events: "oom_kill N") and
// whether it still holds a process (v2 cgroup.events "populated", v1 cgroup.procs).
// Plain reads: oom-notify.ts reads the counter when memory.events changes, the stream's
// poll looks at both.
import { join } from 'node:path';
import { cgroupVersion, type Hierarchy } from './hierarchies';
import type { CgroupFs, CgroupRecord } from './manager';
import { controllerDir } from './resources';

export interface MemoryCgroup {
  version: 1 | 2;
  dir: string;
}

/** The container's memory cgroup, or undefined when the host has no memory controller. */
export function memoryCgroupOf(hierarchies: Hierarchy[], record: CgroupRecord): MemoryCgroup | undefined {
  const dir = controllerDir(hierarchies, record, 'memory');
  return dir === undefined ? undefined : { version: cgroupVersion(hierarchies), dir };
}

/** The "oom_kill N" count of a memory.oom_control or memory.events text (0 without one: a
 * v1 kernel before 4.13 does not count). */
export function parseOomKills(text: string): bigint {
  const m = /^oom_kill ([0-9]+)$/m.exec(text);
  return m ? BigInt(m[1] as string) : 0n;
}

/** How many processes the kernel has OOM-killed in the cgroup; undefined once it is gone. */
export function oomKills(cgfs: CgroupFs, m: MemoryCgroup): bigint | undefined {
  try {
    return parseOomKills(cgfs.read(join(m.dir, m.version === 1 ? 'memory.oom_control' : 'memory.events')));
  } catch {
    return undefined;
  }
}

/** Whether the cgroup exists and holds a process (v2: in it or below it). */
export function cgroupPopulated(cgfs: CgroupFs, m: MemoryCgroup): boolean {
  try {
    if (m.version === 2) return /^populated 1$/m.test(cgfs.read(join(m.dir, 'cgroup.events')));
    return cgfs.read(join(m.dir, 'cgroup.procs')).trim() !== '';
  } catch {
    return false;
  }
}

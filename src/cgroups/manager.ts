// The container's cgroup in every hierarchy of the host: created before the child is
// released, joined by writing the pid, listed by `kill --all`, removed by `delete`.
// Every file operation goes through CgroupFs so tests can run against a fake tree.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TsrunError } from '../errors';
import { nodeErrorText } from '../errno';
import type { Hierarchy } from './hierarchies';

/** The narrow file-system view the cgroup code needs; the real one is the host. */
export interface CgroupFs {
  exists(p: string): boolean;
  mkdir(p: string): void;
  rmdir(p: string): void;
  read(p: string): string;
  write(p: string, value: string): void;
}

export const hostCgroupFs: CgroupFs = {
  exists: (p) => existsSync(p),
  mkdir: (p) => mkdirSync(p),
  rmdir: (p) => rmdirSync(p),
  read: (p) => readFileSync(p, 'utf8'),
  write: (p, value) => writeFileSync(p, value),
};

/** What `state.json` keeps about the container's cgroups. */
export interface CgroupRecord {
  /** Absolute directory of the container's cgroup, per hierarchy key. */
  paths: Record<string, string>;
  /** Directories tsrun created, deepest first, so delete removes exactly those. */
  created: string[];
}

function wrap(op: string, p: string, err: unknown): TsrunError {
  return new TsrunError('ERR_TSRUN_SYSCALL', `${op} ${p}: ${nodeErrorText(err)}`, { cause: err });
}

/** v1 cpuset refuses tasks until cpus and mems are set: copy them from the parent. */
function initCpuset(cgfs: CgroupFs, dir: string): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    const own = join(dir, file);
    if (!cgfs.exists(own) || cgfs.read(own).trim() !== '') continue;
    cgfs.write(own, cgfs.read(join(dirname(dir), file)));
  }
}

/** The directories from just below `top` down to `dir`, top first. */
function levelsBelow(top: string, dir: string): string[] {
  const levels: string[] = [];
  for (let d = dir; d.startsWith(`${top}/`); d = dirname(d)) levels.unshift(d);
  return levels;
}

/** cgroup v2 shows a controller's files in a child only once the parent delegates it:
 * enable every controller the parent has (as runc does on the way down). */
function delegateControllers(cgfs: CgroupFs, parent: string): void {
  try {
    const available = cgfs.read(join(parent, 'cgroup.controllers')).trim();
    if (available)
      cgfs.write(
        join(parent, 'cgroup.subtree_control'),
        available
          .split(/\s+/)
          .map((c) => `+${c}`)
          .join(' '),
      );
  } catch {
    // a controller that cannot be delegated here is reported when a limit needs it
  }
}

/** Create the container's cgroup in each hierarchy. On failure, removes what it made. */
export function createCgroups(
  cgfs: CgroupFs,
  hierarchies: Hierarchy[],
  relPathOf: (h: Hierarchy) => string,
): CgroupRecord {
  const record: CgroupRecord = { paths: {}, created: [] };
  try {
    for (const h of hierarchies) {
      const dir = join(h.mountPoint, relPathOf(h));
      const missing: string[] = [];
      for (let d = dir; d !== h.mountPoint && !cgfs.exists(d); d = dirname(d)) missing.unshift(d);
      for (const d of missing) {
        if (h.version === 2) delegateControllers(cgfs, dirname(d));
        try {
          cgfs.mkdir(d);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw wrap('mkdir', d, err);
          continue;
        }
        record.created.unshift(d);
      }
      // Every level, ours or found (made by someone else without cpus/mems), top down.
      if (h.controllers.includes('cpuset')) for (const d of levelsBelow(h.mountPoint, dir)) initCpuset(cgfs, d);
      record.paths[h.key] = dir;
    }
  } catch (err) {
    removeCgroups(cgfs, record);
    throw err;
  }
  return record;
}

/** Write the pid into the container's cgroup of every hierarchy but those it was born in. */
export function joinCgroups(cgfs: CgroupFs, record: CgroupRecord, pid: number, bornIn: string[] = []): void {
  for (const dir of Object.values(record.paths)) {
    if (bornIn.includes(dir)) continue;
    const file = join(dir, 'cgroup.procs');
    try {
      cgfs.write(file, String(pid));
    } catch (err) {
      throw wrap('write', file, err);
    }
  }
}

/** The pids listed in these cgroups' cgroup.procs (a directory already gone lists none). */
export function pidsIn(cgfs: CgroupFs, dirs: string[]): Set<number> {
  const pids = new Set<number>();
  for (const dir of dirs) {
    try {
      for (const line of cgfs.read(join(dir, 'cgroup.procs')).split('\n')) if (line) pids.add(Number(line));
    } catch {
      // removed: empty
    }
  }
  return pids;
}

/** Pids in the container's cgroup, in any hierarchy. */
export function cgroupPids(cgfs: CgroupFs, record: CgroupRecord): number[] {
  return [...pidsIn(cgfs, Object.values(record.paths))];
}

/** Remove the directories tsrun created. A parent shared with other containers is busy:
 * that is fine, it stays. Returns the directories that could not be removed. */
export function removeCgroups(cgfs: CgroupFs, record: CgroupRecord): string[] {
  const left: string[] = [];
  const leaves = new Set(Object.values(record.paths));
  for (const dir of record.created) {
    try {
      cgfs.rmdir(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      if (leaves.has(dir) || (code !== 'EBUSY' && code !== 'ENOTEMPTY')) left.push(dir);
    }
  }
  return left;
}

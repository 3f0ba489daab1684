// What marks a process, mount or cgroup as one engine test file's: its tmpdir (named on the
// command line, or holding the cwd or root) and its cgroup parent. The podman, containerd
// and dockerd libraries each add what their engine leaves elsewhere (a daemon's pid file,
// netns binds, host directories) on top of this one definition.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  cgroupMountPoints,
  cgroupsBelow,
  inCgroup,
  killProcesses,
  liveProcesses,
  mountPointsUnder,
  removeCgroups,
  selfAndAncestors,
  unmount,
} from '../../helpers/leftovers';

export interface EngineScope {
  /** The tmpdir that holds everything of the file. */
  dir: string;
  /** The cgroup parent, "tsrun-test-..." (a leading "/" or not). */
  cgroupParent: string;
}

function linkUnder(pid: number, name: string, dir: string): boolean {
  try {
    const target = fs.readlinkSync(`/proc/${pid}/${name}`);
    return target === dir || target.startsWith(`${dir}/`);
  } catch {
    return false;
  }
}

/** Whether `pid` is the file's: by command line, cwd, root or cgroup. */
function ownedBy(scope: EngineScope, pid: number): boolean {
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  return (
    cmdline.split('\0').some((a) => a.includes(scope.dir)) ||
    linkUnder(pid, 'cwd', scope.dir) ||
    linkUnder(pid, 'root', scope.dir) ||
    inCgroup(pid, `/${scope.cgroupParent.replace(/^\//, '')}`)
  );
}

/** The live processes of the file, the test process and its ancestors aside. */
export function scopeProcesses(scope: EngineScope): number[] {
  const skip = selfAndAncestors();
  return liveProcesses()
    .map((p) => p.pid)
    .filter((pid) => !skip.has(pid) && ownedBy(scope, pid))
    .sort((a, b) => a - b);
}

/** The cgroup parent in every hierarchy. */
export function cgroupParents(scope: EngineScope): string[] {
  return cgroupMountPoints().map((mp) => path.join(mp, scope.cgroupParent));
}

/** Every cgroup below the parent, in every hierarchy, deepest first. */
export function scopeCgroups(scope: EngineScope): string[] {
  return cgroupParents(scope).flatMap((parent) => cgroupsBelow(parent));
}

/** Removes what the file left: its processes and its `daemon()` (by pid, checked again),
 * mounts under the tmpdir, its cgroups and their parent; then the tmpdir unless a mount is
 * still under it. */
export function removeScope(scope: EngineScope, daemon: () => number[] = () => []): void {
  killProcesses([...daemon(), ...scopeProcesses(scope)], (pid) => ownedBy(scope, pid) || daemon().includes(pid));
  unmount(mountPointsUnder(scope.dir));
  removeCgroups([...scopeCgroups(scope), ...cgroupParents(scope)]);
  if (mountPointsUnder(scope.dir).length === 0) fs.rmSync(scope.dir, { recursive: true, force: true });
}

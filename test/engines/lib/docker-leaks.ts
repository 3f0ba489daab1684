// What the private dockerd and its containers can leave on the host, found by what marks it
// as ours, and removed by pid and by path: the daemon (its pid file); processes whose command
// line, cwd or root names the test's tmp dir (containerd, containerd-shim-runc-v2, the
// runtime) or that sit in a cgroup under the tsrun-test-* parent (the containers); mounts
// under the tmp dir (overlay2 layers, dockerd's own bind of its data root, the network
// namespaces it binds under its exec root); cgroups below the parent.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseMountinfo } from '../../../src/sys/proc';
import {
  alive,
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

export interface DockerLeftovers {
  /** The daemon, if its pid file still names a live process. */
  daemon: number[];
  processes: number[];
  mounts: string[];
  /** Network namespaces bound (nsfs mounts) under the tmp dir or dockerd's default /run/docker. */
  netns: string[];
  cgroups: string[];
}

export const NOTHING_LEFT: DockerLeftovers = { daemon: [], processes: [], mounts: [], netns: [], cgroups: [] };

/** Where the leak check looks: the test's tmp dir, the daemon's pid file, the cgroup parent
 * (a name under each hierarchy's root). */
export interface DockerPlace {
  tmp: string;
  pidFile: string;
  cgroupParent: string;
}

function linkUnder(link: string, dir: string): boolean {
  try {
    const target = fs.readlinkSync(link);
    return target === dir || target.startsWith(`${dir}/`);
  } catch {
    return false;
  }
}

function cmdlineNames(pid: number, dir: string): boolean {
  try {
    return fs
      .readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .some((a) => a.includes(`${dir}/`) || a === dir);
  } catch {
    return false;
  }
}

/** Whether a live process carries one of our marks. */
function ours(pid: number, place: DockerPlace): boolean {
  return (
    cmdlineNames(pid, place.tmp) ||
    linkUnder(`/proc/${pid}/cwd`, place.tmp) ||
    linkUnder(`/proc/${pid}/root`, place.tmp) ||
    inCgroup(pid, `/${place.cgroupParent}`)
  );
}

function daemonLeft(place: DockerPlace): number[] {
  try {
    const pid = Number(fs.readFileSync(place.pidFile, 'utf8').trim());
    return pid > 0 && alive(pid) ? [pid] : [];
  } catch {
    return [];
  }
}

/** Everything left on the host by the daemon of `place`. */
export function dockerLeftovers(place: DockerPlace): DockerLeftovers {
  const mine = selfAndAncestors();
  const mountinfo = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  const netnsDirs = [place.tmp, '/run/docker'];
  return {
    daemon: daemonLeft(place),
    processes: liveProcesses()
      .map((p) => p.pid)
      .filter((pid) => !mine.has(pid) && ours(pid, place))
      .sort((a, b) => a - b),
    mounts: mountPointsUnder(place.tmp),
    netns: mountinfo
      .filter((m) => m.fstype === 'nsfs' && netnsDirs.some((d) => m.mountPoint.startsWith(`${d}/`)))
      .map((m) => m.mountPoint),
    cgroups: cgroupMountPoints().flatMap((m) => cgroupsBelow(path.join(m, place.cgroupParent))),
  };
}

export function isClean(left: DockerLeftovers): boolean {
  return Object.values(left).every((v: unknown[]) => v.length === 0);
}

/** Removes what dockerLeftovers finds, by pid and by path (processes killed and waited for,
 * mounts under the tmp dir unmounted, cgroups below the parent and the parent removed), then
 * the tmp dir itself unless a mount is still under it. */
export function removeDockerLeftovers(place: DockerPlace): void {
  const left = dockerLeftovers(place);
  killProcesses([...left.daemon, ...left.processes], (pid) => ours(pid, place) || daemonLeft(place).includes(pid));
  // Only what is under the tmp dir: a netns under /run/docker is reported, never touched.
  unmount(mountPointsUnder(place.tmp));
  removeCgroups([...left.cgroups, ...cgroupMountPoints().map((m) => path.join(m, place.cgroupParent))]);
  if (mountPointsUnder(place.tmp).length === 0) fs.rmSync(place.tmp, { recursive: true, force: true });
}

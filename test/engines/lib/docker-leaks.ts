// What the private dockerd and its containers can leave on the host, found by what marks it
// as ours, and removed by pid and by path: the daemon (its pid file); processes whose command
// line, cwd or root names the test's tmp dir (containerd, containerd-shim-runc-v2, the
// runtime) or that sit in a cgroup under the tsrun-test-* parent (the containers); mounts
// under the tmp dir (overlay2 layers, dockerd's own bind of its data root, the network
// namespaces it binds under its exec root); cgroups below the parent.
import * as fs from 'node:fs';
import { parseMountinfo } from '../../../src/sys/proc';
import { alive, mountPointsUnder } from '../../helpers/leftovers';
import { type EngineScope, removeScope, scopeCgroups, scopeProcesses } from './engine-scope';

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

function daemonLeft(place: DockerPlace): number[] {
  try {
    const pid = Number(fs.readFileSync(place.pidFile, 'utf8').trim());
    return pid > 0 && alive(pid) ? [pid] : [];
  } catch {
    return [];
  }
}

function scope(place: DockerPlace): EngineScope {
  return { dir: place.tmp, cgroupParent: place.cgroupParent };
}

/** Everything left on the host by the daemon of `place`. */
export function dockerLeftovers(place: DockerPlace): DockerLeftovers {
  const mountinfo = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  const netnsDirs = [place.tmp, '/run/docker'];
  return {
    daemon: daemonLeft(place),
    processes: scopeProcesses(scope(place)),
    mounts: mountPointsUnder(place.tmp),
    netns: mountinfo
      .filter((m) => m.fstype === 'nsfs' && netnsDirs.some((d) => m.mountPoint.startsWith(`${d}/`)))
      .map((m) => m.mountPoint),
    cgroups: scopeCgroups(scope(place)),
  };
}

export function isClean(left: DockerLeftovers): boolean {
  return Object.values(left).every((v: unknown[]) => v.length === 0);
}

/** Removes what dockerLeftovers finds, by pid and by path (processes killed and waited for,
 * mounts under the tmp dir unmounted, cgroups below the parent and the parent removed), then
 * the tmp dir itself unless a mount is still under it. */
export function removeDockerLeftovers(place: DockerPlace): void {
  // Only what is under the tmp dir: a netns under /run/docker is reported, never touched.
  removeScope(scope(place), () => daemonLeft(place));
}

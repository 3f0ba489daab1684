// Signalling a container's processes without ever hitting a reused pid: the pidfd is
// opened first, then the pid is checked to still be the recorded process.
import { join } from 'node:path';
import { freeze, freezerOf, isFrozen, thaw } from '../cgroups/freezer';
import { cgroupPids, hostCgroupFs, pidsIn } from '../cgroups/manager';
import type { ContainerRecord } from '../state/types';
import { native } from '../sys/native';
import { isSameLiveProcess, readProcessFacts } from '../sys/proc';
import { waitUntil } from '../sys/sleep';

/** The init as state.json names it: its pid and its start time prove it is the same process. */
type InitRecord = Pick<ContainerRecord, 'pid' | 'startTime'>;

/** pidfd of the container's init, or null when it is no longer running. */
export function openInit(record: InitRecord): number | null {
  const addon = native();
  let pidfd: number;
  try {
    pidfd = addon.pidfdOpen(record.pid);
  } catch {
    return null;
  }
  if (!isSameLiveProcess(readProcessFacts(record.pid), record.startTime)) {
    addon.close(pidfd);
    return null;
  }
  return pidfd;
}

export function signalInit(record: InitRecord, signal: number): boolean {
  const pidfd = openInit(record);
  if (pidfd === null) return false;
  try {
    native().pidfdSignal(pidfd, signal);
    return true;
  } catch {
    return false;
  } finally {
    native().close(pidfd);
  }
}

/** Signal every process of the cgroups `dirs` once: each pid is opened as a pidfd first,
 * and signalled only if the cgroups still list it once the pidfd pins it, so a pid reused
 * by a process outside the container is never hit. */
export function signalCgroupProcesses(dirs: string[], signal: number): void {
  const addon = native();
  const pidfds = new Map<number, number>();
  for (const pid of pidsIn(hostCgroupFs, dirs)) {
    try {
      pidfds.set(pid, addon.pidfdOpen(pid));
    } catch {
      // exited meanwhile
    }
  }
  const still = pidsIn(hostCgroupFs, dirs);
  for (const [pid, fd] of pidfds) {
    try {
      if (still.has(pid)) addon.pidfdSignal(fd, signal);
    } catch {
      // exited meanwhile
    } finally {
      addon.close(fd);
    }
  }
}

/** SIGKILL through cgroup v2's cgroup.kill (Linux 5.14), which reaches every process of the
 * cgroup at once, forks in flight included. False when the host has no such file. */
function killThroughCgroup(record: ContainerRecord): boolean {
  const dir = record.cgroup.paths[''];
  if (!dir) return false;
  try {
    hostCgroupFs.write(join(dir, 'cgroup.kill'), '1');
    return true;
  } catch {
    return false; // no cgroup.kill (older kernel), or the cgroup is gone: the pid walk decides
  }
}

/** Signal every process in the container's cgroup (kill --all), in nested pid namespaces
 * too (cgroup.procs lists host pids). SIGKILL goes through cgroup.kill where the host has
 * it; otherwise the cgroup is frozen while its pids are signalled, so that no process
 * forks past the walk (as runc), and left as it was found. */
export function signalAll(record: ContainerRecord, signal: number): void {
  if (signal === 9 && killThroughCgroup(record)) return;
  const dirs = [...new Set(Object.values(record.cgroup.paths))];
  const freezer = freezerOf(record.cgroup);
  let froze = false;
  if (freezer && !isFrozen(hostCgroupFs, freezer)) {
    try {
      freeze(hostCgroupFs, freezer);
      froze = true;
    } catch {
      // a freezer that fails leaves the walk racing forks, as runc warns and goes on
    }
  }
  try {
    signalCgroupProcesses(dirs, signal);
  } finally {
    if (froze && freezer) thaw(hostCgroupFs, freezer);
  }
}

/** Wait until the container's processes are gone (bounded). With its own pid namespace,
 * that is its init: the kernel ends the namespace's other processes before the init's exit
 * completes, and a process in the cgroup from another pid namespace is not the
 * container's (runc leaves it alone too). Without one, the cgroup is all there is to go by. */
export function waitStopped(record: ContainerRecord, timeoutMs: number): boolean {
  const initGone = () => !isSameLiveProcess(readProcessFacts(record.pid), record.startTime);
  return waitUntil(
    record.hasPidNamespace ? initGone : () => initGone() && cgroupPids(hostCgroupFs, record.cgroup).length === 0,
    timeoutMs,
    10,
  );
}

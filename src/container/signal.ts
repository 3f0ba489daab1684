// Signalling a container's processes without ever hitting a reused pid: the pidfd is
// opened first, then the pid is checked to still be the recorded process.
import { cgroupPids, hostCgroupFs } from '../cgroups/manager';
import type { ContainerRecord } from '../state/types';
import { native } from '../sys/native';
import { isSameLiveProcess, readProcessFacts } from '../sys/proc';
import { sleepMs } from '../sys/sleep';

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

/** Signal every process in the container's cgroup (kill --all). */
export function signalAll(record: ContainerRecord, signal: number): void {
  const addon = native();
  for (const pid of cgroupPids(hostCgroupFs, record.cgroup)) {
    try {
      const fd = addon.pidfdOpen(pid);
      try {
        addon.pidfdSignal(fd, signal);
      } finally {
        addon.close(fd);
      }
    } catch {
      // exited meanwhile
    }
  }
}

/** Wait until the init and every process of the cgroup are gone (bounded). */
export function waitStopped(record: ContainerRecord, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const initGone = !isSameLiveProcess(readProcessFacts(record.pid), record.startTime);
    if (initGone && cgroupPids(hostCgroupFs, record.cgroup).length === 0) return true;
    if (Date.now() > deadline) return false;
    sleepMs(2);
  }
}

// What a test can leave on the host, found by what marks it as the test's, and removed by
// pid and by path. A process in another mount namespace, or a cloned child that has not
// pivoted yet, shows "/" as its /proc/PID/root and cwd: those links cannot tell whose it is.
// What can: membership of the test's cgroups, the runtime's command line (a child cloned by
// the runtime keeps it until execve) and, for what the test process cloned itself, its
// parent pid.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { native } from '../../src/sys/native';
import { parseMountinfo } from '../../src/sys/proc';
import { sleepMs } from '../../src/sys/sleep';

const SIGKILL = 9;

/** Sleep without returning to the event loop (cleanup runs in synchronous teardowns). */
/** Where every cgroup hierarchy is mounted, v1 and v2 alike: cgroup2 is /sys/fs/cgroup/unified
 * on a hybrid host and /sys/fs/cgroup itself on a pure v2 one. */
export function cgroupMountPoints(mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  return [
    ...new Set(
      parseMountinfo(mountinfo)
        .filter((m) => m.fstype === 'cgroup' || m.fstype === 'cgroup2')
        .map((m) => m.mountPoint),
    ),
  ];
}

/** Mount points at or below `dir` in this process's mount namespace, in mount order. */
export function mountPointsUnder(dir: string): string[] {
  return parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'))
    .map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
}

/** Unmount each mount point, last mounted first (by path, never a host mount: the caller
 * passes only points under its own tmpdir). */
export function unmount(points: string[]): void {
  for (const p of [...points].reverse()) {
    if (spawnSync('umount', [p]).status !== 0) spawnSync('umount', ['-l', p]);
  }
}

/** Every cgroup directory below `dir`, deepest first; [] when `dir` does not exist. */
export function cgroupsBelow(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const below: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const child = path.join(dir, e.name);
    below.push(...cgroupsBelow(child), child);
  }
  return below;
}

/** The pids in a cgroup's cgroup.procs ([] when it is gone). */
export function cgroupProcs(dir: string): number[] {
  try {
    return fs
      .readFileSync(path.join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** rmdir each cgroup (deepest first, as given); a cgroup whose last process is still exiting
 * is busy for a moment, so busy ones are retried for up to `timeoutMs`. The ones left. */
export function removeCgroups(dirs: string[], timeoutMs = 10_000): string[] {
  const deadline = Date.now() + timeoutMs;
  let left = dirs;
  for (;;) {
    left = left.filter((d) => {
      try {
        fs.rmdirSync(d);
        return false;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code !== 'ENOENT';
      }
    });
    if (left.length === 0 || Date.now() > deadline) return left;
    sleepMs(20);
  }
}

interface ProcStat {
  pid: number;
  ppid: number;
  /** One letter: R, S, D, Z (zombie), ... */
  state: string;
}

function procStat(pid: number): ProcStat | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, state: rest[0] ?? '', ppid: Number(rest[1]) };
  } catch {
    return null;
  }
}

/** Every process that has not exited (zombies have: they only wait to be reaped). */
export function liveProcesses(): ProcStat[] {
  const result: ProcStat[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const st = procStat(Number(e));
    if (st && st.state !== 'Z' && st.state !== 'X') result.push(st);
  }
  return result;
}

/** This process and its ancestors up to pid 1: never leftovers, never killed. */
export function selfAndAncestors(): Set<number> {
  const chain = new Set<number>();
  for (let pid = process.pid; pid > 0 && !chain.has(pid); ) {
    chain.add(pid);
    pid = procStat(pid)?.ppid ?? 0;
  }
  return chain;
}

/** Whether `pid`'s command line names `root` as the runtime's --root. */
export function namesRoot(pid: number, root: string): boolean {
  let argv: string[];
  try {
    argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return false;
  }
  return argv.some((a, i) => (a === '--root' && argv[i + 1] === root) || a === `--root=${root}`);
}

/** Whether `pid` is in cgroup `rel` (a path from the hierarchy root, "/tsrun-test-...") or
 * below it, in any hierarchy, per /proc/PID/cgroup. */
export function inCgroup(pid: number, rel: string): boolean {
  try {
    return fs
      .readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .some((l) => {
        const p = l.slice(l.indexOf(':', l.indexOf(':') + 1) + 1);
        return p === rel || p.startsWith(`${rel}/`);
      });
  } catch {
    return false;
  }
}

/** Whether a process exists and has not exited. */
export function alive(pid: number): boolean {
  const st = procStat(pid);
  return st !== null && st.state !== 'Z' && st.state !== 'X';
}

/** SIGKILL each process through a pidfd, after checking (with the pidfd held, so the pid
 * cannot name another process by then) that `stillOurs` says it is the test's; then wait up to
 * `timeoutMs` for them to go. The pids still alive. */
export function killProcesses(pids: number[], stillOurs: (pid: number) => boolean, timeoutMs = 10_000): number[] {
  const N = native();
  const killed: number[] = [];
  for (const pid of pids) {
    let pidfd: number;
    try {
      pidfd = N.pidfdOpen(pid);
    } catch {
      continue; // gone already
    }
    try {
      if (!selfAndAncestors().has(pid) && stillOurs(pid)) {
        N.pidfdSignal(pidfd, SIGKILL);
        killed.push(pid);
      }
    } catch {
      // exited between the check and the signal
    } finally {
      N.close(pidfd);
    }
  }
  const deadline = Date.now() + timeoutMs;
  let left = killed;
  while ((left = left.filter(alive)).length > 0 && Date.now() < deadline) sleepMs(10);
  return left;
}

// Which fds of the preserved range (--preserve-fds, LISTEN_FDS: 3..3+N-1) the caller
// really passed. Node marks inherited low fds close-on-exec itself, so the flag tells
// nothing; what tells is the kind: the runtime's own fds in that range are Node's event
// loop plumbing (epoll, eventfd, signalfd, timerfd, inotify: anonymous inodes, and the
// self-pipes whose two ends Node holds). Every fd tsrun opens for the child is moved
// above the range by the addon's spawn. A caller fd of those kinds is not passed on.
// Socket activation (LISTEN_FDS) widens the range and tells the container so.
import { readdirSync, readlinkSync } from 'node:fs';

/** What /proc/self/fd/N links to, or null when N is not open. */
function readFdTarget(fd: number): string | null {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null;
  }
}

/** All open fds of this process and their targets. */
function openFds(): Map<number, string> {
  const out = new Map<number, string>();
  for (const e of readdirSync('/proc/self/fd')) {
    const t = readFdTarget(Number(e));
    if (t !== null) out.set(Number(e), t);
  }
  return out;
}

/** Pure: the fds of [3, 3+preserveFds) to hand to the container, given every open fd. */
export function callerFds(preserveFds: number, open: Map<number, string>): number[] {
  const pipeEnds = new Map<string, number>();
  for (const target of open.values())
    if (target.startsWith('pipe:')) pipeEnds.set(target, (pipeEnds.get(target) ?? 0) + 1);
  const passed: number[] = [];
  for (let fd = 3; fd < 3 + preserveFds; fd++) {
    const target = open.get(fd);
    if (target === undefined) continue;
    if (target.startsWith('anon_inode:')) continue;
    if (target.startsWith('pipe:') && (pipeEnds.get(target) ?? 0) > 1) continue;
    passed.push(fd);
  }
  return passed;
}

export function inheritedFds(preserveFds: number): number[] {
  return preserveFds > 0 ? callerFds(preserveFds, openFds()) : [];
}

/** systemd socket activation, as runc passes it on: the LISTEN_FDS fds (from 3) go to the
 * container before the --preserve-fds ones, and its env says so, with the init as pid 1. */
export function socketActivation(
  preserveFds: number,
  env: NodeJS.ProcessEnv = process.env,
): { preserveFds: number; extraEnv: string[] } {
  const listen = Number(env.LISTEN_FDS ?? '');
  if (!Number.isInteger(listen) || listen <= 0) return { preserveFds, extraEnv: [] };
  return { preserveFds: preserveFds + listen, extraEnv: [`LISTEN_FDS=${listen}`, 'LISTEN_PID=1'] };
}

// NOTIFY_SOCKET: sd_notify from inside the container (podman's --sdnotify=container), as
// runc 1.1 does it. When the runtime's environment names the host's notify socket:
// `create` makes ROOT/ID/notify, binds it read-only at /run/notify in the container and
// sets NOTIFY_SOCKET=/run/notify/notify.sock in the process's environment (not in what
// `exec` gets: runc's exec reads config.json again); `start` (and `run`) bind the socket
// there before releasing the process and return only once the container sent a datagram
// beginning with "READY=" (forwarded to the host with MAINPID) or ended. The directory
// goes with the state directory.
import { chmodSync, closeSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Spec } from '../config/types';
import { TsrunError } from '../errors';
import { nodeErrorText } from '../errno';
import type { StateStore } from '../state/store';
import {
  bindDatagramSocket,
  connectDatagramSocket,
  sendDatagram,
  takeDatagram,
  waitDatagramOrExit,
} from '../sys/unix-datagram';

const DIR_IN_CONTAINER = '/run/notify';
const SOCKET_NAME = 'notify.sock';

/** The host's notify socket the runtime was given, or null when there is none. */
export function hostNotifySocket(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.NOTIFY_SOCKET ? env.NOTIFY_SOCKET : null;
}

/** ROOT/ID/notify, absolute: the bind source of /run/notify. */
export function notifyDir(store: StateStore, id: string): string {
  return join(resolve(store.dir(id)), 'notify');
}

/** Pure: `spec` with the notify directory mounted at /run/notify and NOTIFY_SOCKET last in
 * the process's environment (runc's setupSpec); `spec` itself is left as it was. */
export function withNotifySocket(spec: Spec, hostDir: string): Spec {
  const out: Spec = {
    ...spec,
    mounts: [
      ...(spec.mounts ?? []),
      { destination: DIR_IN_CONTAINER, source: hostDir, options: ['bind', 'nosuid', 'noexec', 'nodev', 'ro'] },
    ],
  };
  if (spec.process)
    out.process = {
      ...spec.process,
      env: [...(spec.process.env ?? []), `NOTIFY_SOCKET=${DIR_IN_CONTAINER}/${SOCKET_NAME}`],
    };
  return out;
}

/** `create`: the directory the socket is bound in at `start` (runc binds it only then). */
export function makeNotifyDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o755 });
  } catch (err) {
    throw new TsrunError('ERR_TSRUN_SYSCALL', `mkdir ${dir}: ${nodeErrorText(err)}`, { cause: err });
  }
}

/** Pure: what runc 1.1 tells the host for one datagram of the container: when the datagram
 * begins with "READY=", its first line, then MAINPID (two datagrams); else nothing (null:
 * STATUS=, WATCHDOG=... are not passed on). */
export function readyNotification(datagram: Buffer, mainPid: number): string[] | null {
  const text = datagram.toString('utf8');
  if (!text.startsWith('READY=')) return null;
  const newline = text.indexOf('\n');
  return [`${newline < 0 ? text : text.slice(0, newline)}\n`, `MAINPID=${mainPid}\n`];
}

/** The container's end of the protocol, bound by `start` or `run`. */
export class ContainerNotifySocket {
  private constructor(
    private readonly fd: number,
    private readonly host: string,
  ) {}

  /** Bind ROOT/ID/notify/notify.sock, writable by any uid of the container, when the
   * runtime was given a host socket; else null. Fails as runc's does when `create` made no
   * notify directory (it was run without NOTIFY_SOCKET). */
  static open(store: StateStore, id: string, env: NodeJS.ProcessEnv = process.env): ContainerNotifySocket | null {
    const host = hostNotifySocket(env);
    if (!host) return null;
    const socketPath = join(notifyDir(store, id), SOCKET_NAME);
    const fd = bindDatagramSocket(socketPath);
    try {
      chmodSync(socketPath, 0o777);
    } catch (err) {
      closeSync(fd);
      throw new TsrunError('ERR_TSRUN_SYSCALL', `chmod ${socketPath}: ${nodeErrorText(err)}`, { cause: err });
    }
    return new ContainerNotifySocket(fd, host);
  }

  /** Wait until the container sends READY=... and tell the host (MAINPID=mainPid), or
   * until the process of `pidfd` ends (null: it has ended already; only what it sent
   * before counts). True when READY was forwarded. A host socket that cannot be reached
   * fails before the wait, as in runc. */
  async relayReady(pidfd: number | null, mainPid: number): Promise<boolean> {
    const client = connectDatagramSocket(this.host);
    try {
      for (;;) {
        for (let datagram = takeDatagram(this.fd); datagram; datagram = takeDatagram(this.fd)) {
          const notification = readyNotification(datagram, mainPid);
          if (!notification) continue;
          for (const message of notification) sendDatagram(client, message, this.host);
          return true;
        }
        if (pidfd === null || !(await waitDatagramOrExit(this.fd, pidfd))) return false;
      }
    } finally {
      closeSync(client);
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

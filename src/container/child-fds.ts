// The fds the runtime opens for the child and hands over in the plan: exec.fifo (and the
// start-hooks fifo), the
// namespaces it joins by path, the console socket, and in a user namespace detached
// copies of the bind sources. Each is pushed on `fds`, which the caller closes once the
// child holds its copies. A failure names the config.json entry it came from.
import { constants, openSync } from 'node:fs';
import { TsrunError } from '../errors';
import { MS_REC } from '../plan/constants';
import type { NamespaceRequest } from '../plan/namespaces';
import type { Spec } from '../config/types';
import { mountIdmap } from '../plan/idmap';
import type { MountStep } from '../plan/types';
import type { Native } from '../sys/native';

/** Closes the fds opened for the child once it holds its copies (or failed): best effort. */
export function closeAll(addon: Pick<Native, 'close'>, fds: number[]): void {
  for (const fd of fds) {
    try {
      addon.close(fd);
    } catch {
      // closing is best effort
    }
  }
}

/** Make exec.fifo (0600: only root releases it) and open it O_RDWR for the child, which
 * blocks reading it until `start` writes. No directory fd of the host reaches the child. */
export function openExecFifo(addon: Native, fifoPath: string, fds: number[]): number {
  addon.mkfifo(fifoPath, 0o600);
  const fd = openSync(fifoPath, constants.O_RDWR);
  fds.push(fd);
  return fd;
}

/** Make the start-hooks fifo (0600) and open it O_RDWR for the child, which reports its
 * startContainer hooks there for `start` (only a container with such hooks has one). */
export function openStartHooksFifo(addon: Native, fifoPath: string, fds: number[]): number {
  return openExecFifo(addon, fifoPath, fds);
}

/** The namespace files of linux.namespaces entries with a path, in the joins' order. */
export function openNamespaceJoins(addon: Native, joins: NamespaceRequest[], fds: number[]): number[] {
  return joins.map((j) => {
    try {
      const fd = addon.openReadOnly(j.path);
      fds.push(fd);
      return fd;
    } catch (err) {
      throw new TsrunError(
        'ERR_TSRUN_CONFIG',
        `config.json: linux.namespaces[${j.index}].path: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  });
}

/** --console-socket, connected: the child sends the pty master over it. */
export function connectConsoleSocket(addon: Native, socketPath: string, fds: number[]): number {
  const fd = addon.connectUnix(socketPath);
  fds.push(fd);
  return fd;
}

/** `run` without --console-socket is its own console socket: a socket pair, the child's
 * end handed over as the console socket, the runtime's end to receive the master on.
 * Both are pushed on `fds`: once the master is taken neither is needed. */
export function openOwnConsoleSocket(addon: Native, fds: number[]): { own: number; child: number } {
  const [own, child] = addon.socketPair();
  fds.push(own, child);
  return { own, child };
}

/** The pty master the child sent on our own console socket; it was sent before the child
 * reported Ready, so it is waiting there. */
export function receiveConsoleMaster(addon: Native, own: number): number {
  try {
    return addon.recvFd(own);
  } catch (err) {
    throw new TsrunError('ERR_TSRUN_CHILD', `the container's terminal: ${(err as Error).message}`, { cause: err });
  }
}

/** In a user namespace the container's root may not reach a bind source the runtime can:
 * give the child a detached copy made with the runtime's view (open_tree), its flags set,
 * which the child uses where its own open is refused. An idmapped bind always gets one,
 * mapped through its user namespace while detached (plan/idmap.ts), and the child uses
 * nothing else. Sets each such mount's sourceTreeFd. */
export function openBindSources(
  addon: Native,
  spec: Spec,
  mounts: MountStep[],
  fds: number[],
  inUserNamespace: boolean,
): void {
  for (const m of mounts) {
    if (!m.sourceIsPath || !(inUserNamespace || m.idmapped)) continue;
    const idmap = m.idmapped ? (mountIdmap(spec, m.index) ?? undefined) : undefined;
    try {
      m.sourceTreeFd = addon.openTree(m.source, (m.flags & MS_REC) !== 0, m.remountFlags, m.clearFlags ?? 0, idmap);
    } catch (err) {
      throw new TsrunError('ERR_TSRUN_CONFIG', `config.json: mounts[${m.index}].source: ${(err as Error).message}`, {
        cause: err,
      });
    }
    fds.push(m.sourceTreeFd);
  }
}

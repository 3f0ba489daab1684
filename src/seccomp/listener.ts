// Where a notify filter's listener goes (config-linux.md "Seccomp", runtime.md): one
// message to the unix socket at linux.seccomp.listenerPath, the "container process state"
// as JSON with the listener attached (SCM_RIGHTS), in the shape runc sends. The runtime
// closes its copies after: the agent holds the only listener left.
import { ConfigError, TsrunError } from '../errors';
import type { Seccomp } from '../config/types';
import type { Native } from '../sys/native';

const AT = 'linux.seccomp.listenerPath';

/** runtime-spec's ContainerProcessState (specs-go/state.go). */
interface ContainerProcessState {
  ociVersion: string;
  /** What each attached fd is, in order: the listener only. */
  fds: ['seccompFd'];
  /** The process the filter confines (the init, or an exec'd process), as the host sees it. */
  pid: number;
  /** linux.seccomp.listenerMetadata; absent when empty (omitempty, as runc). */
  metadata?: string;
  /** The container's state (runtime.md "State"). */
  state: Record<string, unknown>;
}

function containerProcessState(
  state: Record<string, unknown>,
  pid: number,
  metadata: string | undefined,
): ContainerProcessState {
  const doc: ContainerProcessState = { ociVersion: String(state.ociVersion), fds: ['seccompFd'], pid, state };
  if (metadata) doc.metadata = metadata;
  return doc;
}

/** Connects to the profile's listenerPath, sends the state of `pid` (the process the
 * filter confines) with `listenerFd`, closes both. A failure names
 * linux.seccomp.listenerPath (the agent is not there, or refused the message). */
export function sendSeccompListener(
  addon: Native,
  seccomp: Seccomp,
  listenerFd: number,
  pid: number,
  state: Record<string, unknown>,
): void {
  let sock = -1;
  try {
    const doc = containerProcessState(state, pid, seccomp.listenerMetadata);
    // compile.ts refuses a notifying profile without one.
    sock = addon.connectUnix(seccomp.listenerPath ?? '');
    addon.sendFd(sock, Buffer.from(JSON.stringify(doc)), listenerFd);
  } catch (err) {
    if (err instanceof TsrunError) throw err;
    throw new ConfigError(AT, `seccomp agent: ${(err as Error).message}`);
  } finally {
    if (sock >= 0) addon.close(sock);
    addon.close(listenerFd);
  }
}

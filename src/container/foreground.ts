// A process the runtime waits for in the foreground (`run`, `exec` without --detach): the
// signals the runtime receives are forwarded to it, and its end becomes the runtime's
// exit status, 128+N for signal N, as runc does.
import { constants } from 'node:os';
import type { ExitStatus, Native } from '../sys/native';

const FORWARDED: NodeJS.Signals[] = [
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGTERM',
  'SIGUSR1',
  'SIGUSR2',
  'SIGWINCH',
  'SIGCONT',
  'SIGALRM',
];

/** Waits for the process of `pidfd` (a child of this process) to end, forwarding signals
 * meanwhile. With a proxied terminal SIGWINCH resizes the pty instead (its kernel tells
 * the process), so it is not forwarded as well. */
export async function waitForwardingSignals(
  addon: Pick<Native, 'pidfdSignal' | 'reap'>,
  pidfd: number,
  proxiedTerminal: boolean,
): Promise<ExitStatus> {
  const handlers = FORWARDED.filter((sig) => !(proxiedTerminal && sig === 'SIGWINCH')).map((sig) => {
    const handler = (): void => {
      try {
        addon.pidfdSignal(pidfd, constants.signals[sig]);
      } catch {
        // it has exited; its status arrives below
      }
    };
    process.on(sig, handler);
    return { sig, handler };
  });
  try {
    return await addon.reap(pidfd);
  } finally {
    for (const h of handlers) process.off(h.sig, h.handler);
  }
}

/** The runtime's exit status for the process's end. */
export function exitCodeOf(status: ExitStatus): number {
  return status.signal ? 128 + status.signal : status.code;
}

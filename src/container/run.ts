// `run`: create and start in one process; in the foreground, forward signals to the
// container, wait for it, delete it (unless --keep) and return its exit status
// (128+N when killed by signal N), as runc does. A container terminal without a console
// socket is proxied to the caller's stdio (terminal-proxy.ts).
import { constants } from 'node:os';
import { native } from '../sys/native';
import type { RuntimeContext } from './context';
import { createContainer, type CreateOptions } from './create';
import { deleteContainer } from './delete';
import { startContainer } from './start';
import { startTerminalProxy, type TerminalProxy } from './terminal-proxy';

const forwarded: NodeJS.Signals[] = [
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

export async function runContainer(
  ctx: RuntimeContext,
  opts: CreateOptions & { detach: boolean; keep: boolean },
): Promise<number> {
  const mark = (what: string): void =>
    ctx.logger.debug(`run ${opts.id}: ${what} at ${(process.uptime() * 1000).toFixed(1)} ms of uptime`);
  mark('begin');
  const created = createContainer(ctx, { ...opts, foreground: !opts.detach });
  mark('created');
  const addon = native();
  let proxy: TerminalProxy | null = null;
  try {
    if (created.consoleMaster >= 0)
      proxy = startTerminalProxy(addon, created.consoleMaster, created.spec.process?.consoleSize, ctx.logger);
    startContainer(ctx, opts.id);
  } catch (err) {
    proxy?.close();
    if (!proxy && created.consoleMaster >= 0) addon.close(created.consoleMaster);
    deleteContainer(ctx, opts.id, true);
    throw err;
  }
  mark('started');
  if (opts.detach) return 0;
  try {
    // With a terminal, SIGWINCH resizes the pty (the proxy), whose kernel tells the
    // container; it is not forwarded as well.
    const handlers = forwarded
      .filter((sig) => !(proxy && sig === 'SIGWINCH'))
      .map((sig) => {
        const handler = (): void => {
          try {
            addon.pidfdSignal(created.pidfd, constants.signals[sig]);
          } catch {
            // the container has exited; its status arrives below
          }
        };
        process.on(sig, handler);
        return { sig, handler };
      });
    const status = await addon.reap(created.pidfd);
    mark('exited');
    for (const h of handlers) process.off(h.sig, h.handler);
    // Delete first: it ends any process left holding the pty, whose output then ends.
    if (!opts.keep) deleteContainer(ctx, opts.id, true);
    mark('deleted');
    if (proxy) {
      await proxy.drained;
      mark('terminal drained');
    }
    return status.signal ? 128 + status.signal : status.code;
  } finally {
    proxy?.close();
  }
}

// `run`: create and start in one process; in the foreground, forward signals to the
// container, wait for it, delete it (unless --keep) and return its exit status
// (128+N when killed by signal N), as runc does. A container terminal without a console
// socket is proxied to the caller's stdio (terminal-proxy.ts).
import { native } from '../sys/native';
import type { RuntimeContext } from './context';
import { createContainer, type CreateOptions } from './create';
import { deleteContainer } from './delete';
import { exitCodeOf, waitForwardingSignals } from './foreground';
import { startContainer } from './start';
import { startTerminalProxy, type TerminalProxy } from './terminal-proxy';

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
    const status = await waitForwardingSignals(addon, created.pidfd, proxy !== null);
    mark('exited');
    // Delete first: it ends any process left holding the pty, whose output then ends.
    if (!opts.keep) deleteContainer(ctx, opts.id, true);
    mark('deleted');
    if (proxy) {
      await proxy.drained;
      mark('terminal drained');
    }
    return exitCodeOf(status);
  } finally {
    proxy?.close();
  }
}

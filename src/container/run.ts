// `run`: create and start in one process; in the foreground, forward signals to the
// container, wait for it, delete it (unless --keep) and return its exit status
// (128+N when killed by signal N), as runc does. A container terminal without a console
// socket is proxied to the caller's stdio (terminal-proxy.ts). With NOTIFY_SOCKET, the
// container's READY is relayed to the host (notify-socket.ts): before `run -d` returns, and
// while `run` waits in the foreground.
import { stepTracer } from '../log/trace';
import { native } from '../sys/native';
import type { RuntimeContext } from './context';
import { createContainer, type CreateOptions } from './create';
import { deleteContainer } from './delete';
import type { ContainerNotifySocket } from './notify-socket';
import { exitCodeOf, waitForwardingSignals } from './foreground';
import { startContainer } from './start';
import type { TerminalProxy } from './terminal-proxy';

export async function runContainer(
  ctx: RuntimeContext,
  opts: CreateOptions & { detach: boolean; keep: boolean },
): Promise<number> {
  const mark = stepTracer(ctx.logger, `run ${opts.id}`);
  mark('begin');
  const created = createContainer(ctx, { ...opts, foreground: !opts.detach });
  mark('created');
  const addon = native();
  let proxy: TerminalProxy | null = null;
  let notify: ContainerNotifySocket | null;
  try {
    if (created.consoleMaster >= 0) {
      // Loaded only here: node:net and node:tty cost a run without a terminal about 4 ms.
      const { startTerminalProxy }: typeof import('./terminal-proxy') = require('./terminal-proxy');
      proxy = startTerminalProxy(addon, created.consoleMaster, created.spec.process?.consoleSize, ctx.logger);
    }
    notify = startContainer(ctx, opts.id, created).notify;
  } catch (err) {
    proxy?.close();
    if (!proxy && created.consoleMaster >= 0) addon.close(created.consoleMaster);
    deleteContainer(ctx, opts.id, true);
    throw err;
  }
  mark('started');
  // runc's MAINPID: the container's init when run detaches, else run itself, which stays.
  if (opts.detach) {
    if (notify) await relayReady(ctx, notify, created.pidfd, created.record.pid);
    return 0;
  }
  const relay = notify ? relayReady(ctx, notify, created.pidfd, process.pid) : null;
  try {
    const status = await waitForwardingSignals(addon, created.pidfd, proxy !== null);
    await relay;
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

/** READY passed on to the host; a failure is a warning (runc ignores it), the container runs on. */
async function relayReady(
  ctx: RuntimeContext,
  notify: ContainerNotifySocket,
  pidfd: number,
  mainPid: number,
): Promise<void> {
  try {
    await notify.relayReady(pidfd, mainPid);
  } catch (err) {
    ctx.logger.warn(`notify socket: ${(err as Error).message}`);
  } finally {
    notify.close();
  }
}

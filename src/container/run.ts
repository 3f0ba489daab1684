// `run`: create and start in one process; in the foreground, forward signals to the
// container, wait for it, delete it (unless --keep) and return its exit status
// (128+N when killed by signal N), as runc does.
import { constants } from 'node:os';
import { native } from '../sys/native';
import type { RuntimeContext } from './context';
import { createContainer, type CreateOptions } from './create';
import { deleteContainer } from './delete';
import { startContainer } from './start';

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
  try {
    startContainer(ctx, opts.id);
  } catch (err) {
    deleteContainer(ctx, opts.id, true);
    throw err;
  }
  mark('started');
  if (opts.detach) return 0;
  const handlers = forwarded.map((sig) => {
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
  if (!opts.keep) deleteContainer(ctx, opts.id, true);
  mark('deleted');
  return status.signal ? 128 + status.signal : status.code;
}

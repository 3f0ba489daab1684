// `kill`: one signal to the init, or with --all to every process of the cgroup. It holds
// the container's lock shared: it waits while a create, start or delete is under way.
// Signal 0 only checks that the init is alive. A SIGKILL to a paused container thaws it
// afterwards, as runc does, so that its processes die (cgroup v1 holds them until thawed);
// other signals stay pending until `resume`.
import { TsrunError } from '../errors';
import { lockContainer } from '../state/lock';
import { parseSignal } from '../sys/signals';
import type { RuntimeContext } from './context';
import { thawIfFrozen } from './pause';
import { signalAll, signalInit } from './signal';
import { containerStatus } from './status';

export function killContainer(ctx: RuntimeContext, id: string, signalText: string, all: boolean): void {
  // The container first, as runc: an unknown ID is the error even with a bad signal.
  const lock = lockContainer(ctx.store, id, 'shared');
  try {
    killLocked(ctx, id, signalText, all);
  } finally {
    lock.release();
  }
}

function killLocked(ctx: RuntimeContext, id: string, signalText: string, all: boolean): void {
  const record = ctx.store.require(id);
  const signal = parseSignal(signalText);
  const status = containerStatus(ctx.store, record);
  if (status === 'stopped' && !all) throw new TsrunError('ERR_TSRUN_STATE', 'container not running');
  if (all) signalAll(record, signal);
  else if (!signalInit(record, signal)) throw new TsrunError('ERR_TSRUN_STATE', 'container not running');
  if (signal === 9 && status === 'paused') thawIfFrozen(record);
}

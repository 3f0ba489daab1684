// `pause` and `resume`: freeze and thaw every process of the container's cgroup (runc's
// Pause/Resume). Under the container's lock, exclusively: a pause and a resume, or a pause
// and a delete, do not interleave. Status follows from the freezer (status.ts).
import { type Freezer, freeze, freezerOf, isFrozen, thaw } from '../cgroups/freezer';
import { hostCgroupFs } from '../cgroups/manager';
import { TsrunError } from '../errors';
import { lockContainer } from '../state/lock';
import type { ContainerRecord } from '../state/types';
import type { RuntimeContext } from './context';
import { containerStatus } from './status';

function requireFreezer(record: ContainerRecord): Freezer {
  const freezer = freezerOf(record.cgroup);
  if (!freezer) throw new TsrunError('ERR_TSRUN_STATE', `container ${record.id}: no freezer cgroup on this host`);
  return freezer;
}

function withLock(ctx: RuntimeContext, id: string, work: (record: ContainerRecord) => void): void {
  const lock = lockContainer(ctx.store, id, 'exclusive');
  try {
    work(ctx.store.require(id));
  } finally {
    lock.release();
  }
}

/** runc pauses a running or a created container; anything else is "not running". */
export function pauseContainer(ctx: RuntimeContext, id: string): void {
  withLock(ctx, id, (record) => {
    const status = containerStatus(ctx.store, record);
    if (status !== 'running' && status !== 'created') throw new TsrunError('ERR_TSRUN_STATE', 'container not running');
    freeze(hostCgroupFs, requireFreezer(record));
  });
}

export function resumeContainer(ctx: RuntimeContext, id: string): void {
  withLock(ctx, id, (record) => {
    if (containerStatus(ctx.store, record) !== 'paused')
      throw new TsrunError('ERR_TSRUN_STATE', 'container not paused');
    thaw(hostCgroupFs, requireFreezer(record));
  });
}

/** After a SIGKILL: on cgroup v1 a frozen process dies only once thawed, so thaw (runc
 * does the same in signalInit). Nothing to do for a container that is not frozen. */
export function thawIfFrozen(record: ContainerRecord): void {
  const freezer = freezerOf(record.cgroup);
  if (freezer && isFrozen(hostCgroupFs, freezer)) thaw(hostCgroupFs, freezer);
}

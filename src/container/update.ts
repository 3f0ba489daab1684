// `update`: change the cgroup limits of a created, running or paused container (runc's
// update). Under the container's lock, exclusively, as the other commands that change it.
// Only what the update gives is written (update-merge.ts), through the same translators as
// create; a value the kernel refuses undoes the writes already made, and state.json keeps
// the container's resources after a success, so the next update pairs memory with swap and
// quota with period from them. A state.json from before tsrun kept resources has none: the
// update then starts from nothing known.
import { readHostHierarchies } from '../cgroups/hierarchies';
import { hostCgroupFs } from '../cgroups/manager';
import { checkMemoryUsage } from '../cgroups/memory-usage-check';
import { applyResources, CgroupWriteError } from '../cgroups/resources';
import { planUpdate } from '../cgroups/update-merge';
import { journaled } from '../cgroups/write-journal';
import { ConfigError, TsrunError } from '../errors';
import type { UpdateRequest } from '../cli/update-request';
import { lockContainer } from '../state/lock';
import type { RuntimeContext } from './context';
import { containerStatus } from './status';

const AT = 'linux.resources.';

/** `linux.resources.memory.limit` -> what the user gave it as (`--memory`). */
function relabel(request: UpdateRequest, at: string): string {
  return at.startsWith(AT) ? request.label(at.slice(AT.length)) : at;
}

export function updateContainer(ctx: RuntimeContext, id: string, readRequest: () => UpdateRequest): void {
  const lock = lockContainer(ctx.store, id, 'exclusive');
  try {
    const record = ctx.store.require(id);
    const request = readRequest();
    if (containerStatus(ctx.store, record) === 'stopped')
      throw new TsrunError('ERR_TSRUN_STATE', 'container not running');
    const plan = planUpdate(record.resources ?? {}, request.resources);
    if (request.flagsUnused) ctx.logger.warn('--resources is given: the other resource flags are not used (as runc)');
    if (plan.kernelMemory) ctx.logger.warn('Kernel memory settings are ignored and will be removed');
    for (const field of plan.unused) ctx.logger.debug(`${request.label(field)}: not changed by update (as runc)`);
    const hierarchies = readHostHierarchies();
    checkMemoryUsage(hostCgroupFs, hierarchies, record.cgroup, plan.writes.memory);
    const journal = journaled(hostCgroupFs);
    try {
      applyResources(journal.cgfs, hierarchies, record.cgroup, plan.writes, (msg) => ctx.logger.debug(msg));
    } catch (err) {
      const left = journal.undo();
      if (left.length > 0)
        ctx.logger.warn(`container ${id}: could not restore ${left.join(', ')} after the failed update`);
      if (err instanceof CgroupWriteError)
        throw new TsrunError(err.code, `${relabel(request, err.at)}: ${err.detail}`, { cause: err });
      if (err instanceof ConfigError)
        throw new TsrunError(err.code, `${relabel(request, err.jsonPath)}: ${err.problem}`, { cause: err });
      throw err;
    }
    ctx.store.save({ ...record, resources: plan.kept });
  } finally {
    lock.release();
  }
}

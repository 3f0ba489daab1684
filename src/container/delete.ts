// `delete`: a stopped container goes, and so does a created one, its init killed: runtime.md
// says deleting a container that is not stopped MUST fail, but runc deletes a created one
// and engines rely on it (containerd deletes a created, never started task with a plain
// `delete`). A running one only with --force. Then its cgroups and state directory go.
// The container's lock is held throughout, so a racing delete finds nothing left and a
// racing start finds no container. With --force, a state.json that cannot be read does not
// keep the container: recover.ts removes what its records still name.
import { TsrunError } from '../errors';
import { stepTracer } from '../log/trace';
import { lockContainer } from '../state/lock';
import type { ContainerRecord } from '../state/types';
import { removeCgroupsPatiently } from './container-cgroups';
import { removeRdt } from '../resctrl/resctrl';
import { hookStateDocument, runHooks } from './hooks';
import type { RuntimeContext } from './context';
import { thawIfFrozen } from './pause';
import { recoverAndDelete } from './recover';
import { unmountUnder } from './shared-mounts';
import { signalAll, signalInit, waitStopped } from './signal';
import { containerStatus } from './status';

/** SIGKILL the container's processes and wait until they are gone. */
function killAndWait(record: ContainerRecord): void {
  signalInit(record, 9);
  // Without its own pid namespace the init's death does not end the others.
  if (!record.hasPidNamespace) signalAll(record, 9);
  // A paused container's processes die only once thawed (cgroup v1).
  thawIfFrozen(record);
  if (!waitStopped(record, 10_000)) {
    signalAll(record, 9);
    if (!waitStopped(record, 5_000))
      throw new TsrunError('ERR_TSRUN_STATE', `container ${record.id}: processes still running after SIGKILL`);
  }
}

export function deleteContainer(ctx: RuntimeContext, id: string, force: boolean): void {
  let lock: ReturnType<typeof lockContainer>;
  try {
    lock = lockContainer(ctx.store, id, 'exclusive');
  } catch (err) {
    // Not there, or deleted by the command we waited for.
    if (force && (err as TsrunError).code === 'ERR_TSRUN_NOT_FOUND') return;
    throw err;
  }
  try {
    deleteLocked(ctx, id, force);
  } finally {
    lock.release();
  }
}

function deleteLocked(ctx: RuntimeContext, id: string, force: boolean): void {
  let record: ContainerRecord | null;
  try {
    record = ctx.store.load(id);
  } catch (err) {
    if (force && (err as TsrunError).code === 'ERR_TSRUN_CORRUPT_STATE') {
      recoverAndDelete(ctx, id, (err as Error).message);
      return;
    }
    throw err;
  }
  if (!record) {
    // No state.json under the lock: a create died half-way. Its child died with it (it
    // outlives create only once recorded); its cgroups may be left.
    if (!force) throw new TsrunError('ERR_TSRUN_STATE', `container ${id} is still being created`);
    recoverAndDelete(ctx, id, null);
    return;
  }
  const mark = stepTracer(ctx.logger, `delete ${id}`);
  const status = containerStatus(ctx.store, record);
  mark(`found ${status}`);
  if ((status === 'running' || status === 'paused') && !force)
    throw new TsrunError('ERR_TSRUN_STATE', `cannot delete container ${id} that is not stopped: ${status}`);
  if (status !== 'stopped') killAndWait(record);
  else if (!record.hasPidNamespace) {
    // The init is gone but, sharing the host's pid namespace, its children may live on.
    signalAll(record, 9);
    thawIfFrozen(record);
    waitStopped(record, 5_000);
  }
  mark('processes gone');
  removeCgroupsPatiently(ctx.logger, id, record.cgroup);
  mark('cgroups removed');
  if (record.intelRdt) removeRdt(record.intelRdt);
  if (!record.hasMountNamespace) unmountUnder(record.rootfs);
  ctx.store.remove(id);
  mark('state removed');
  // After the container is gone, before delete returns; a failing one is a warning.
  runHooks(ctx.logger, 'poststop', record.hooks?.poststop, hookStateDocument(record, 'stopped', 0));
}

// delete --force of a container whose state.json is corrupt, truncated, lacks fields or is
// gone (a create killed half-way leaves only its directory): remove what can be proven to
// be the container's, and nothing else.
//
// The proof is what tsrun itself recorded. cleanup.json, written by create as soon as the
// container's cgroups exist and before any of its processes, names the cgroups tsrun made
// for it and their inode numbers: a cgroup that is still that directory holds only the
// container's processes (each pid is opened as a pidfd and seen in the cgroup again before
// it is signalled, so a pid reused meanwhile is never hit). From state.json, what still has
// its type: the init's pid together with its start time (as every command checks it), and
// the cgroup record when cleanup.json is unusable. A cgroup tsrun did not create (a
// cgroupsPath that existed already) may be shared: its processes are left.
import { statSync } from 'node:fs';
import { type CgroupRecord, hostCgroupFs, pidsIn } from '../cgroups/manager';
import { TsrunError } from '../errors';
import { CLEANUP_VERSION, type CleanupRecord } from '../state/types';
import { isSameLiveProcess, readProcessFacts } from '../sys/proc';
import { waitUntil } from '../sys/sleep';
import { removeCgroupsPatiently } from './container-cgroups';
import { hookStateDocument, runHooks } from './hooks';
import type { RuntimeContext } from './context';
import { unmountUnder } from './shared-mounts';
import { signalCgroupProcesses, signalInit } from './signal';
import { OCI_VERSION } from './version';

const KILL_WAIT_MS = 10_000;

function inodeOf(dir: string): string | null {
  const st = statSync(dir, { bigint: true, throwIfNoEntry: false });
  return st ? String(st.ino) : null;
}

/** cleanup.json for a container whose cgroups were just made. */
export function cleanupRecord(
  id: string,
  cgroup: CgroupRecord,
  rootfs: string,
  hasMountNamespace: boolean,
): CleanupRecord {
  const cgroupInodes: Record<string, string> = {};
  for (const dir of cgroup.created) {
    const ino = inodeOf(dir);
    if (ino !== null) cgroupInodes[dir] = ino;
  }
  return { version: CLEANUP_VERSION, id, cgroup, cgroupInodes, rootfs, hasMountNamespace };
}

/** The container's own cgroups: those tsrun created for it, still the same directories when
 * their inodes were recorded. */
function ownedCgroups(cgroup: CgroupRecord, inodes: Record<string, string> | null): string[] {
  const created = new Set(cgroup.created);
  return [...new Set(Object.values(cgroup.paths))].filter(
    (dir) => created.has(dir) && (inodes === null || (inodes[dir] !== undefined && inodeOf(dir) === inodes[dir])),
  );
}

/** Kill the init (if known) and everything in the owned cgroups, until all are gone. */
function killAll(init: { pid: number; startTime: number } | null, owned: string[]): boolean {
  return waitUntil(
    () => {
      if (init) signalInit(init, 9);
      signalCgroupProcesses(owned, 9);
      const initGone = !init || !isSameLiveProcess(readProcessFacts(init.pid), init.startTime);
      return initGone && pidsIn(hostCgroupFs, owned).size === 0;
    },
    KILL_WAIT_MS,
    5,
  );
}

/** Delete container `id` (locked by the caller) from what its records still say.
 * `problem` is why state.json could not be loaded, or null when it does not exist. Fails,
 * in one line and once the state directory is gone, when something may be left. */
export function recoverAndDelete(ctx: RuntimeContext, id: string, problem: string | null): void {
  const { partial, cleanup, cleanupProblem } = ctx.store.remains(id);
  if (cleanup === null) ctx.logger.debug(`container ${id}: ${cleanupProblem}`);
  const cgroup = cleanup?.cgroup ?? partial.cgroup ?? null;
  const owned = cgroup ? ownedCgroups(cgroup, cleanup ? cleanup.cgroupInodes : null) : [];
  const init =
    partial.pid !== undefined && partial.startTime !== undefined
      ? { pid: partial.pid, startTime: partial.startTime }
      : null;
  if (!killAll(init, owned))
    throw new TsrunError('ERR_TSRUN_STATE', `container ${id}: processes still running after SIGKILL`);
  const left: string[] = [];
  if (cgroup) {
    for (const dir of new Set(Object.values(cgroup.paths)))
      if (!owned.includes(dir) && pidsIn(hostCgroupFs, [dir]).size > 0)
        left.push(`processes are left in cgroup ${dir}, which tsrun did not create for the container`);
    // Not a created directory made again by someone else since.
    const created = cgroup.created.filter((dir) => {
      const recorded = cleanup?.cgroupInodes[dir];
      return recorded === undefined || inodeOf(dir) === recorded;
    });
    removeCgroupsPatiently(ctx.logger, id, { paths: cgroup.paths, created });
  } else if (problem) {
    left.push(`the container's ${init ? 'cgroups were' : 'processes and cgroups were'} not found (no cleanup record)`);
  }
  const rootfs = cleanup?.rootfs ?? partial.rootfs;
  const hasMountNamespace = cleanup?.hasMountNamespace ?? partial.hasMountNamespace;
  if (hasMountNamespace === false && rootfs !== undefined) unmountUnder(rootfs);
  ctx.store.remove(id);
  // The poststop hooks state.json still names (its hooks field kept its type).
  const container = {
    ociVersion: partial.ociVersion ?? OCI_VERSION,
    id,
    bundle: partial.bundle ?? '',
    annotations: partial.annotations ?? {},
  };
  runHooks(ctx.logger, 'poststop', partial.hooks?.poststop, hookStateDocument(container, 'stopped', 0));
  const why = problem ?? `container ${id}: no state.json`;
  if (left.length > 0)
    throw new TsrunError('ERR_TSRUN_CORRUPT_STATE', `${why}; removed the state directory, but ${left.join('; ')}`);
  if (problem) ctx.logger.warn(`container ${id}: ${problem}; removed what its records name`);
}

// Pids: how many tasks the cgroup holds and its limit (0 when "max"), as runc reads them.
import { MAX_UINT64, StatFileError, type StatDir } from './files';
import type { PidsStats } from './types';

function limitOf(dir: StatDir): bigint {
  const max = dir.uint('pids.max');
  return max === MAX_UINT64 ? 0n : max;
}

/** v1: no cgroup, nothing. */
export function readPidsV1(dir: StatDir, into: PidsStats): void {
  if (!dir.exists()) return;
  into.current = dir.uint('pids.current');
  into.limit = limitOf(dir);
}

/** v2: without the pids controller, the lines of cgroup.procs and no limit. */
export function readPidsV2(dir: StatDir, into: PidsStats): void {
  let current: bigint;
  try {
    current = dir.uint('pids.current');
  } catch (err) {
    if (!(err instanceof StatFileError && err.missing)) throw err;
    into.current = BigInt(dir.read('cgroup.procs').split('\n').length - 1);
    into.limit = 0n;
    return;
  }
  into.current = current;
  into.limit = limitOf(dir);
}

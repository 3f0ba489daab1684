// memory.checkBeforeUpdate: cgroup v2 lowers memory.max below the usage by reclaiming and
// OOM-killing, where v1 refuses with EBUSY. With the flag set, `update` refuses such a
// limit first, as runc's fs2 CheckMemoryUsage does (best effort: no memory.current, no check).
import { join } from 'node:path';
import type { Resources } from '../config/types';
import { TsrunError } from '../errors';
import { cgroupVersion, type Hierarchy } from './hierarchies';
import type { CgroupFs, CgroupRecord } from './manager';
import { controllerDir } from './resources';

export function checkMemoryUsage(
  cgfs: CgroupFs,
  hierarchies: Hierarchy[],
  record: CgroupRecord,
  memory: Resources['memory'],
): void {
  if (!memory?.checkBeforeUpdate || cgroupVersion(hierarchies) !== 2) return;
  const dir = controllerDir(hierarchies, record, 'memory');
  if (!dir) return;
  let usage: number;
  try {
    usage = Number(cgfs.read(join(dir, 'memory.current')).trim());
  } catch {
    return;
  }
  if (!Number.isFinite(usage)) return;
  if (memory.swap !== undefined && memory.swap > 0 && memory.swap <= usage)
    throw new TsrunError('ERR_TSRUN_STATE', `rejecting memory+swap limit ${memory.swap} <= usage ${usage}`);
  if (memory.limit !== undefined && memory.limit > 0 && memory.limit <= usage)
    throw new TsrunError('ERR_TSRUN_STATE', `rejecting memory limit ${memory.limit} <= usage ${usage}`);
}

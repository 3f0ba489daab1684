// linux.resources.pids -> pids.max (the same file on v1 and v2).
import type { Resources } from '../../config/types';
import { collector, type Translation } from './types';

export function pidsWrites(pids: Resources['pids']): Translation {
  const out = collector();
  const limit = pids?.limit;
  // runc: a positive limit is written as is, a negative one means no limit, 0 is not set.
  if (limit !== undefined && limit !== 0)
    out.write('pids', 'pids.max', limit > 0 ? String(limit) : 'max', 'linux.resources.pids.limit');
  return out;
}

// linux.resources -> writes into the container's cgroup, pure, per controller. Only pids is
// applied (runtime-tools' delete_resources uses it); memory, cpu, blockIO and the other
// resources are refused as not supported yet (config/unsupported.ts). devices v1 is in
// devices-v1.ts.
import * as path from 'node:path';
import type { Resources } from '../config/types';
import type { Hierarchy } from './hierarchies';
import type { CgroupFs, CgroupRecord } from './manager';

interface ResourceWrite {
  /** The v1 controller whose hierarchy holds the file; v2 has them all in one. */
  controller: string;
  file: string;
  value: string;
}

function resourceWrites(resources: Resources | undefined): ResourceWrite[] {
  const writes: ResourceWrite[] = [];
  const limit = resources?.pids?.limit;
  // runc: a positive limit is written as is, anything else means no limit.
  if (limit !== undefined && limit !== 0)
    writes.push({ controller: 'pids', file: 'pids.max', value: limit > 0 ? String(limit) : 'max' });
  return writes;
}

/** The directory that holds a controller's files for this container, or undefined when the
 * host lacks the controller. */
export function controllerDir(hierarchies: Hierarchy[], record: CgroupRecord, controller: string): string | undefined {
  const v1 = hierarchies.find((h) => h.version === 1 && h.controllers.includes(controller));
  if (v1) return record.paths[v1.key];
  if (hierarchies.some((h) => h.version === 1)) return undefined;
  const v2 = hierarchies.find((h) => h.version === 2);
  return v2 ? record.paths[v2.key] : undefined;
}

export function applyResources(
  cgfs: CgroupFs,
  hierarchies: Hierarchy[],
  record: CgroupRecord,
  resources: Resources | undefined,
): void {
  for (const w of resourceWrites(resources)) {
    const dir = controllerDir(hierarchies, record, w.controller);
    if (!dir)
      throw Object.assign(new Error(`the ${w.controller} controller is not available on this host`), {
        code: 'ENODEV',
      });
    cgfs.write(path.join(dir, w.file), w.value);
  }
}

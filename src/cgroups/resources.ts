// linux.resources -> writes into the container's cgroup. The per-resource translators
// (translate/*.ts) say what to write, in order, for cgroup v1 or v2; this file finds the
// directory of each write's controller and writes it. A controller or file the host lacks
// fails with one line naming the config entry; a write runc makes only where the kernel
// shows the file is skipped with a debug note. Device rules: devices-v1.ts and devices-v2.ts.
import { join } from 'node:path';
import type { Resources } from '../config/types';
import { nodeErrorText } from '../errno';
import { ConfigError, TsrunError } from '../errors';
import { cgroupVersion, type Hierarchy } from './hierarchies';
import type { CgroupFs, CgroupRecord } from './manager';
import { blkioWrites } from './translate/blkio';
import { cpuWrites } from './translate/cpu';
import { hugetlbWrites } from './translate/hugetlb';
import { memoryWrites } from './translate/memory';
import { networkWrites } from './translate/network';
import { pidsWrites } from './translate/pids';
import { rdmaWrites } from './translate/rdma';
import type { HostView, Translation } from './translate/types';
import { unifiedWrites } from './translate/unified';

/** The kernel refused a write: `at` names the config entry, `detail` the file and errno. */
export class CgroupWriteError extends TsrunError {
  constructor(
    readonly at: string,
    readonly detail: string,
    cause: unknown,
  ) {
    super('ERR_TSRUN_SYSCALL', `${at}: ${detail}`, { cause });
  }
}

/** Every write linux.resources asks for, in runc's order (unified last, so it wins). */
function resourceWrites(resources: Resources | undefined, host: HostView): Translation {
  const parts = [
    cpuWrites(resources?.cpu, host),
    memoryWrites(resources?.memory, host),
    pidsWrites(resources?.pids),
    blkioWrites(resources?.blockIO, host),
    hugetlbWrites(resources?.hugepageLimits, host),
    networkWrites(resources?.network, host),
    rdmaWrites(resources?.rdma),
    unifiedWrites(resources?.unified, host),
  ];
  return { writes: parts.flatMap((p) => p.writes), notes: parts.flatMap((p) => p.notes) };
}

/** The directory that holds a controller's files for this container, or undefined when the
 * host lacks the controller. A hybrid host is driven through v1, as runc's fs driver does. */
export function controllerDir(hierarchies: Hierarchy[], record: CgroupRecord, controller: string): string | undefined {
  const v1 = hierarchies.find((h) => h.version === 1 && h.controllers.includes(controller));
  if (v1) return record.paths[v1.key];
  if (hierarchies.some((h) => h.version === 1)) return undefined;
  const v2 = hierarchies.find((h) => h.version === 2);
  return v2 ? record.paths[v2.key] : undefined;
}

/** Where a controller's files are, or why they are not there (one phrase). */
function locate(
  cgfs: CgroupFs,
  hierarchies: Hierarchy[],
  record: CgroupRecord,
  controller: string,
): { dir: string } | { missing: string } {
  const dir = controllerDir(hierarchies, record, controller);
  if (!dir) return { missing: `the ${controller} controller is not mounted on this host` };
  if (cgroupVersion(hierarchies) === 2 && controller !== 'cgroup') {
    let enabled: string[] = [];
    try {
      enabled = cgfs.read(join(dir, 'cgroup.controllers')).split(/\s+/);
    } catch {
      // no list: the file check below decides
    }
    if (!enabled.includes(controller)) return { missing: `the ${controller} controller is not enabled in ${dir}` };
  }
  return { dir };
}

function hostView(cgfs: CgroupFs, hierarchies: Hierarchy[], record: CgroupRecord): HostView {
  const fileOf = (controller: string, file: string) => {
    const where = locate(cgfs, hierarchies, record, controller);
    return 'dir' in where ? join(where.dir, file) : undefined;
  };
  return {
    version: cgroupVersion(hierarchies),
    has: (controller, file) => {
      const p = fileOf(controller, file);
      return p !== undefined && cgfs.exists(p);
    },
    read: (controller, file) => {
      const p = fileOf(controller, file);
      try {
        return p === undefined ? undefined : cgfs.read(p);
      } catch {
        return undefined;
      }
    },
  };
}

export function applyResources(
  cgfs: CgroupFs,
  hierarchies: Hierarchy[],
  record: CgroupRecord,
  resources: Resources | undefined,
  debug: (msg: string) => void = () => {},
): void {
  const { writes, notes } = resourceWrites(resources, hostView(cgfs, hierarchies, record));
  for (const note of notes) debug(note);
  for (const w of writes) {
    const where = locate(cgfs, hierarchies, record, w.controller);
    const file = 'dir' in where ? join(where.dir, w.file) : undefined;
    const missing =
      'missing' in where
        ? where.missing
        : file && !cgfs.exists(file)
          ? `${w.file} does not exist in the ${w.controller} cgroup on this host`
          : undefined;
    if (missing !== undefined || file === undefined) {
      if (w.optional) {
        debug(`${w.at}: ${w.file} not written: ${missing}`);
        continue;
      }
      throw new ConfigError(w.at, missing ?? `the ${w.controller} controller is not mounted on this host`);
    }
    try {
      cgfs.write(file, w.value);
    } catch (err) {
      throw new CgroupWriteError(w.at, `write ${JSON.stringify(w.value)} to ${file}: ${nodeErrorText(err)}`, err);
    }
    const problem = w.check?.(cgfs.read(file));
    if (problem) throw new ConfigError(w.at, problem);
  }
}

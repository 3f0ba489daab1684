// The container's cgroups, from the runtime's side: made under linux.cgroupsPath (or the
// default path for the id), given linux.resources and the device rules (the v1 devices
// controller, or an eBPF program on cgroup v2); and what the container's /sys/fs/cgroup
// shows of them.
import { applyDeviceRules } from '../cgroups/devices-v1';
import { applyDeviceFilter } from '../cgroups/devices-v2';
import { cgroupVersion, type Hierarchy } from '../cgroups/hierarchies';
import { freezerOf, isFrozen } from '../cgroups/freezer';
import { cgroupPids, createCgroups, hostCgroupFs, removeCgroups, type CgroupRecord } from '../cgroups/manager';
import { cgroupPathIn } from '../cgroups/paths';
import { applyResources, controllerDir } from '../cgroups/resources';
import type { Spec } from '../config/types';
import { TsrunError } from '../errors';
import type { Logger } from '../log/logger';
import type { CgroupMountSource } from '../plan/mounts';
import { nodeErrorText } from '../errno';
import { sleepMs } from '../sys/sleep';

/** Make the container's cgroup in every hierarchy (nothing applied yet). */
export function makeContainerCgroups(
  spec: Spec,
  id: string,
  hierarchies: Hierarchy[],
  systemdCgroup: boolean,
): CgroupRecord {
  return createCgroups(hostCgroupFs, hierarchies, (h) => cgroupPathIn(h, spec.linux?.cgroupsPath, id, systemdCgroup));
}

/** A cgroup that already existed may be frozen or hold processes. Frozen, the child (and
 * nothing of the runtime's) would hang in it: refuse, as runc does. Processes in it are
 * someone else's: warn, as runc does, and go on. */
export function checkExistingCgroups(logger: Logger, id: string, record: CgroupRecord): void {
  const freezer = freezerOf(record);
  if (freezer && isFrozen(hostCgroupFs, freezer))
    throw new TsrunError('ERR_TSRUN_STATE', "container's cgroup unexpectedly frozen");
  const pids = cgroupPids(hostCgroupFs, record);
  if (pids.length > 0) logger.warn(`container ${id}: its cgroup is not empty: ${pids.length} process(es) found`);
}

/** Remove the cgroups tsrun made for a container whose processes were just killed: their
 * last exits may take a moment to reach the cgroup, so retry for about half a second, then
 * warn about what is left. */
export function removeCgroupsPatiently(logger: Logger, id: string, record: CgroupRecord): void {
  let left: string[] = [];
  for (let attempt = 0; attempt < 50; attempt++) {
    left = removeCgroups(hostCgroupFs, record);
    if (left.length === 0) return;
    sleepMs(10);
  }
  logger.warn(`container ${id}: could not remove cgroups ${left.join(', ')}`);
}

/** Remove what makeContainerCgroups made; throws naming the cgroups it could not remove. */
export function removeContainerCgroups(record: CgroupRecord): void {
  const left = removeCgroups(hostCgroupFs, record);
  if (left.length > 0) throw new Error(`cgroups left: ${left.join(', ')}`);
}

/** linux.resources into the cgroup's files, and linux.resources.devices (with the
 * devices of linux.devices) into the v1 devices controller or, on cgroup v2, an eBPF
 * device filter. On a hybrid host the v1 controller enforces them, as runc's fs driver. */
export function applyContainerResources(
  logger: Logger,
  spec: Spec,
  hierarchies: Hierarchy[],
  record: CgroupRecord,
): void {
  // Errors name the config entry (a missing controller or file, a kernel refusal).
  applyResources(hostCgroupFs, hierarchies, record, spec.linux?.resources, (msg) => logger.debug(msg));
  const rules = spec.linux?.resources?.devices ?? [];
  const nodes = spec.linux?.devices ?? [];
  const v2Dir = cgroup2Dir(record, hierarchies);
  if (v2Dir) {
    applyDeviceFilter(v2Dir, rules, nodes);
    return;
  }
  const devicesDir = controllerDir(hierarchies, record, 'devices');
  if (!devicesDir) {
    if (rules.length > 0) logger.warn('linux.resources.devices is not enforced: no devices controller on this host');
    return;
  }
  try {
    applyDeviceRules(hostCgroupFs, devicesDir, rules, nodes);
  } catch (err) {
    throw new TsrunError('ERR_TSRUN_SYSCALL', `apply linux.resources.devices in ${devicesDir}: ${nodeErrorText(err)}`, {
      cause: err,
    });
  }
}

/** What the container's /sys/fs/cgroup shows of each v1 hierarchy. */
export function cgroupMountSources(record: CgroupRecord, hierarchies: Hierarchy[]): CgroupMountSource[] {
  return hierarchies
    .filter((h) => h.version === 1 && record.paths[h.key])
    .map((h) => ({
      name: h.name,
      hostDir: record.paths[h.key] as string,
      aliases: h.name.includes(',') ? h.name.split(',') : [],
    }));
}

/** On a v2 host every controller lives in the one directory: the container's. */
export function cgroup2Dir(record: CgroupRecord, hierarchies: Hierarchy[]): string | null {
  return cgroupVersion(hierarchies) === 2 ? (controllerDir(hierarchies, record, 'memory') ?? null) : null;
}

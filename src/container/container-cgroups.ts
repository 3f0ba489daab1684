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
import { waitUntil } from '../sys/sleep';

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

/** How long removal waits for the kernel to let a cgroup go: its last processes' exits
 * (and on v1 a zombie's release) reach the cgroup a little after they die. */
const CGROUP_RELEASE_WAIT_MS = 2_000;

/** Remove the cgroups tsrun made for a container whose processes were just killed,
 * retrying while the kernel still holds them; returns what is left after the wait. */
function removeWhenReleased(record: CgroupRecord): string[] {
  let left: string[] = [];
  waitUntil(
    () => {
      left = removeCgroups(hostCgroupFs, record);
      return left.length === 0;
    },
    CGROUP_RELEASE_WAIT_MS,
    100,
  );
  return left;
}

/** delete: what cannot be removed is a warning (the container is gone all the same). */
export function removeCgroupsPatiently(logger: Logger, id: string, record: CgroupRecord): void {
  const left = removeWhenReleased(record);
  if (left.length > 0) logger.warn(`container ${id}: could not remove cgroups ${left.join(', ')}`);
}

/** create's rollback: throws naming the cgroups it could not remove. */
export function removeContainerCgroups(record: CgroupRecord): void {
  const left = removeWhenReleased(record);
  if (left.length > 0) throw new Error(`cgroups left: ${left.join(', ')}`);
}

/** The container's cgroup2 directory, where the child is cloned (CLONE_INTO_CGROUP), so
 * it never runs an instruction outside it; on a hybrid host the v1 hierarchies are then
 * joined by pid before the child is released. Undefined on a host without cgroup2. */
export function cgroup2BirthDir(record: CgroupRecord, hierarchies: Hierarchy[]): string | undefined {
  const v2 = hierarchies.find((h) => h.version === 2);
  return v2 ? record.paths[v2.key] : undefined;
}

/** linux.resources into the cgroup's files, and linux.resources.devices (with the
 * devices of linux.devices) into the v1 devices controller or, on cgroup v2, an eBPF
 * device filter. On a hybrid host the v1 controller enforces them, as runc's fs driver.
 * The pids limit waits for applyPidsLimit: until the init is forked into its pid
 * namespace, the child and the init are two tasks in the cgroup, and `pids.limit: 1`
 * (podman --pids-limit 1) must work. */
export function applyContainerResources(
  logger: Logger,
  spec: Spec,
  hierarchies: Hierarchy[],
  record: CgroupRecord,
): void {
  const resources = spec.linux?.resources;
  // Errors name the config entry (a missing controller or file, a kernel refusal).
  applyResources(hostCgroupFs, hierarchies, record, resources && { ...resources, pids: undefined }, (msg) =>
    logger.debug(msg),
  );
  const rules = resources?.devices ?? [];
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

/** linux.resources.pids, once the init is the container's only task (before it runs an
 * instruction of its own: it waits for `start`). */
export function applyPidsLimit(logger: Logger, spec: Spec, hierarchies: Hierarchy[], record: CgroupRecord): void {
  const pids = spec.linux?.resources?.pids;
  if (pids) applyResources(hostCgroupFs, hierarchies, record, { pids }, (msg) => logger.debug(msg));
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

// `features`: what this tsrun supports, in runc's `features` shape (runtime-spec
// features.md). Only what is implemented is listed, and what is refused is said disabled
// (test/integration/features.test.ts runs each claim); what depends on the host is asked
// of it: the cgroup entry (cgroupFeatures), the namespaces its kernel has (hostNamespaces),
// seccomp what the loaded libseccomp and the kernel take (seccompFeatures), intelRdt.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupMode, type Hierarchy, readHostHierarchies } from '../cgroups/hierarchies';
import { NAMESPACE_PROC_FILES } from '../config/linux-names';
import { MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } from '../config/memory-policy';
import { capabilityNumbers, supportedMountOptions } from '../plan/constants';
import { OCI_VERSION, TSRUN_VERSION } from '../container/version';
import { hostResctrlMount } from '../resctrl/resctrl';
import { seccompFeatures } from '../seccomp/features';
import { hostMemoryPolicyCheck, type ModeCheck } from '../sys/memory-policy-modes';
import { kernelHasMountSetattr } from '../sys/mount-setattr';

/** Which cgroup drivers apply on a host with these hierarchies: v1 where it has v1
 * controllers (hybrid too: tsrun drives those), v2 where cgroup2 alone holds them. No
 * systemd manager: --systemd-cgroup only maps "slice:prefix:name" to a cgroupfs path. rdma
 * where the host has the controller (`v2Controllers` is the cgroup2 root's
 * cgroup.controllers). */
export function cgroupFeatures(hierarchies: Hierarchy[], v2Controllers: string): Record<string, boolean> {
  const mode = cgroupMode(hierarchies);
  const v1 = hierarchies.some((h) => h.version === 1 && h.controllers.length > 0);
  const v2 = mode === 'unified' && hierarchies.some((h) => h.version === 2);
  const rdma =
    hierarchies.some((h) => h.version === 1 && h.controllers.includes('rdma')) ||
    (v2 && v2Controllers.split(/\s+/).includes('rdma'));
  return { v1, v2, systemd: false, systemdUser: false, rdma };
}

function hostCgroupFeatures(): Record<string, boolean> {
  const hierarchies = readHostHierarchies();
  const v2 = hierarchies.find((h) => h.version === 2);
  let controllers = '';
  try {
    if (v2) controllers = readFileSync(join(v2.mountPoint, 'cgroup.controllers'), 'utf8');
  } catch {
    // none readable: no rdma through v2
  }
  return cgroupFeatures(hierarchies, controllers);
}

/** The namespace types this kernel has: those with a file in /proc/self/ns (time needs
 * Linux 5.6, cgroup 4.6; one left out of the build has none). A clone asking for a
 * missing one fails, so create could not make it. */
export function hostNamespaces(has: (file: string) => boolean = (f) => existsSync(`/proc/self/ns/${f}`)): string[] {
  return Object.keys(NAMESPACE_PROC_FILES)
    .filter((type) => has(NAMESPACE_PROC_FILES[type]!))
    .sort();
}

/** The memory policy modes and flags this kernel takes (`accepts`: an empty mbind), each
 * flag with MPOL_BIND, the one mode every flag goes with. */
export function memoryPolicyFeatures(accepts: ModeCheck): { modes: string[]; flags: string[] } {
  const bind = MEMORY_POLICY_MODES.MPOL_BIND!.value;
  return {
    modes: Object.keys(MEMORY_POLICY_MODES).filter((mode) => accepts(MEMORY_POLICY_MODES[mode]!.value)),
    flags: Object.keys(MEMORY_POLICY_FLAGS).filter((flag) => accepts(bind | MEMORY_POLICY_FLAGS[flag]!)),
  };
}

export function features(): Record<string, unknown> {
  const { seccomp, libseccompVersion } = seccompFeatures();
  const annotations: Record<string, string> = { 'org.opencontainers.runc.version': `tsrun-${TSRUN_VERSION}` };
  if (libseccompVersion) annotations['io.github.seccomp.libseccomp.version'] = libseccompVersion;
  const rdt = hostResctrlMount() !== null;
  const namespaces = hostNamespaces();
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    // All six: the runtime runs four (container/hooks.ts), the child the in-container two.
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: supportedMountOptions(),
    // tsrun reads no annotation of config.json: none can change what it does.
    potentiallyUnsafeConfigAnnotations: [],
    linux: {
      namespaces,
      capabilities: Object.keys(capabilityNumbers),
      cgroup: hostCgroupFeatures(),
      seccomp,
      apparmor: { enabled: false },
      selinux: { enabled: false },
      // Where resctrl is mounted (resctrl/resctrl.ts); elsewhere create refuses intelRdt.
      intelRdt: { enabled: rdt, schemata: rdt, monitoring: rdt },
      // Those of the one table (config/memory-policy.ts) this kernel knows.
      memoryPolicy: memoryPolicyFeatures(hostMemoryPolicyCheck()),
      // Idmapped bind mounts (plan/idmap.ts): mapped through a user namespace with
      // mount_setattr.
      mountExtensions: {
        idmap: { enabled: namespaces.includes('user') && kernelHasMountSetattr() },
      },
      // Moved into the container's network namespace, renamed, permanent global addresses
      // kept, set up (config/net-devices.ts): where the kernel has network namespaces.
      netDevices: { enabled: namespaces.includes('network') },
    },
    annotations,
  };
}

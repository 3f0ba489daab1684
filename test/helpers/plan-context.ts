// A PlanContext for unit tests of buildInitPlan: what create would pass for a container with a
// v1 memory cgroup, every capability, a passwd with root and bob, and a statSource that calls
// *.txt a file, a path with "missing" absent and the rest a directory. Tests override what
// they are about.
import type { Spec } from '../../src/config/types';
import type { PlanContext } from '../../src/plan/build';
import { planNamespaces } from '../../src/plan/namespaces';

/** Every capability number this project knows (CAP_CHOWN .. CAP_CHECKPOINT_RESTORE). */
export const ALL_CAPS = (1n << 41n) - 1n;

export function planContext(spec: Spec, over: Partial<PlanContext> = {}): PlanContext {
  return {
    bundle: '/b',
    rootfs: '/b/rootfs',
    namespaces: planNamespaces(spec),
    joinFds: [],
    statSource: (p) => (p.endsWith('.txt') ? 'file' : p.includes('missing') ? null : 'dir'),
    passwd: 'root:x:0:0:root:/root:/bin/sh\nbob:x:1:1::/home/bob:/bin/sh\n',
    cgroupSources: [{ name: 'memory', hostDir: '/sys/fs/cgroup/memory/x', aliases: [] }],
    cgroupVersion: 1,
    cgroup2HostDir: null,
    cgroupFd: -1,
    availableCaps: ALL_CAPS,
    hookContainer: { ociVersion: '1.3.0', id: 'c', bundle: '/b', annotations: {} },
    startReportFd: -1,
    fifoFd: 7,
    consoleSocketFd: -1,
    preserveFds: 0,
    inheritFds: [],
    extraEnv: [],
    noPivot: false,
    containerId: 'c1',
    newKeyring: true,
    ...over,
  };
}

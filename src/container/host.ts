// Facts about the host that planning needs, read once per command.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cgroupMode, parseHierarchies, type Hierarchy } from '../cgroups/hierarchies';

export function hostHierarchies(): Hierarchy[] {
  return parseHierarchies(fs.readFileSync('/proc/self/mountinfo', 'utf8'), fs.readFileSync('/proc/self/cgroup', 'utf8'));
}

/** On a hybrid host the v1 hierarchies are the ones that hold the controllers; the
 * cgroup2 tree beside them is still joined so `kill --all` and `delete` see every pid. */
export function cgroupVersion(hierarchies: Hierarchy[]): 1 | 2 {
  return cgroupMode(hierarchies) === 'unified' ? 2 : 1;
}

/** The runtime's bounding set: the capabilities it can hand to a container. */
export function availableCapabilities(): bigint {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

export function statKind(p: string): 'dir' | 'file' | null {
  try {
    return fs.statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return null;
  }
}

/** A file of the rootfs, read on the host only if it really lies inside the rootfs (the
 * image is hostile: /etc/passwd may be a symlink to anywhere). null when absent. */
export function readRootfsFile(rootfs: string, relative: string): string | null {
  try {
    const real = fs.realpathSync(path.join(rootfs, relative));
    const root = fs.realpathSync(rootfs);
    if (!real.startsWith(`${root}/`)) return null;
    return fs.readFileSync(real, 'utf8');
  } catch {
    return null;
  }
}

// Which cgroup hierarchies this host has, read from /proc/self/mountinfo and
// /proc/self/cgroup. Parsing is pure so hybrid, v1 and v2 hosts can be tested from text;
// readHostHierarchies reads this host.
import { readFileSync } from 'node:fs';
import { parseMountinfo } from '../sys/proc';

export interface Hierarchy {
  /** "cpu", "cpu,cpuacct", "name=systemd", or "" for the cgroup2 hierarchy. */
  key: string;
  /** Directory name under /sys/fs/cgroup ("cpu", "systemd", "unified"). */
  name: string;
  /** Where it is mounted on the host. */
  mountPoint: string;
  version: 1 | 2;
  /** v1 controllers it carries (empty for name=systemd and for cgroup2). */
  controllers: string[];
  /** The runtime's own cgroup in it, from /proc/self/cgroup ("/" when at the root). */
  ownPath: string;
}

const v1Options = new Set([
  'rw',
  'ro',
  'nosuid',
  'nodev',
  'noexec',
  'relatime',
  'noatime',
  'clone_children',
  'nsdelegate',
  'memory_recursiveprot',
  'noprefix',
  'xattr',
  'cpuset_v2_mode',
  'favordynmods',
]);

export function parseHierarchies(mountinfo: string, procCgroup: string): Hierarchy[] {
  const own = new Map<string, string>();
  for (const line of procCgroup.split('\n')) {
    const m = /^[0-9]+:([^:]*):(.*)$/.exec(line);
    if (m) own.set(m[1] ?? '', m[2] ?? '/');
  }
  const result: Hierarchy[] = [];
  const seen = new Set<string>();
  for (const mount of parseMountinfo(mountinfo)) {
    if (mount.fstype !== 'cgroup' && mount.fstype !== 'cgroup2') continue;
    const version = mount.fstype === 'cgroup2' ? 2 : 1;
    const keyParts =
      version === 1 ? mount.superOptions.filter((o) => !v1Options.has(o) && !o.startsWith('release_agent=')) : [];
    const key = keyParts.join(',');
    if (seen.has(key)) continue; // the same hierarchy mounted twice: the first mount serves
    seen.add(key);
    const ownPath = own.get(key) ?? own.get(keyParts.slice().sort().join(',')) ?? '/';
    // Our own path is relative to the hierarchy root; a mount of a sub-tree shifts it.
    const relative =
      mount.root !== '/' && ownPath.startsWith(mount.root) ? ownPath.slice(mount.root.length) || '/' : ownPath;
    result.push({
      key,
      name: mount.mountPoint.split('/').pop() ?? key,
      mountPoint: mount.mountPoint,
      version,
      controllers: keyParts.filter((k) => !k.startsWith('name=')),
      ownPath: relative,
    });
  }
  return result;
}

/** The host's mode: v2 alone, v1 alone, or v1 with cgroup2 beside (hybrid). */
export function cgroupMode(hierarchies: Hierarchy[]): 'unified' | 'legacy' | 'hybrid' {
  const v1 = hierarchies.some((h) => h.version === 1);
  const v2 = hierarchies.some((h) => h.version === 2);
  return v1 ? (v2 ? 'hybrid' : 'legacy') : 'unified';
}

/** This host's hierarchies, as the runtime process sees them. */
export function readHostHierarchies(): Hierarchy[] {
  return parseHierarchies(readFileSync('/proc/self/mountinfo', 'utf8'), readFileSync('/proc/self/cgroup', 'utf8'));
}

/** On a hybrid host the v1 hierarchies are the ones that hold the controllers; the
 * cgroup2 tree beside them is still joined so `kill --all` and `delete` see every pid. */
export function cgroupVersion(hierarchies: Hierarchy[]): 1 | 2 {
  return cgroupMode(hierarchies) === 'unified' ? 2 : 1;
}

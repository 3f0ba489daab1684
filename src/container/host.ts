// Facts about the host that planning needs, read once per command.
import * as fs from 'node:fs';
import { cgroupMode, parseHierarchies, type Hierarchy } from '../cgroups/hierarchies';
import type { Native } from '../sys/native';

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

/** The most of the image's /etc/passwd that is read. A longer file is cut to its first
 * PASSWD_MAX bytes, without the line cut in two: users listed further down are not found
 * and get HOME=/ (the image is hostile; a 10 MB passwd must not cost 10 MB). */
export const PASSWD_MAX = 64 * 1024;

/** The first `max` bytes of `data` as text, without a last line that the limit cut short
 * (`data` is read with one byte more than `max` to tell). */
export function boundedLines(data: Buffer, max: number): string {
  if (data.length <= max) return data.toString('utf8');
  const head = data.subarray(0, max);
  return head.subarray(0, head.lastIndexOf(0x0a) + 1).toString('utf8');
}

/** The image's /etc/passwd, for HOME: resolved inside the rootfs by the addon (openat2
 * RESOLVE_IN_ROOT), read only if it is a regular file, bounded. null when absent. */
export function readImagePasswd(addon: Pick<Native, 'readFileInRoot'>, rootfs: string): string | null {
  const data = addon.readFileInRoot(rootfs, 'etc/passwd', PASSWD_MAX + 1);
  return data === null ? null : boundedLines(data, PASSWD_MAX);
}

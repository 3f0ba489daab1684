// linux.cgroupsPath -> the path of the container's cgroup inside each hierarchy.
import { posix } from 'node:path';
import { ConfigError } from '../errors';
import type { Hierarchy } from './hierarchies';

/** systemd's "slice:prefix:name" form, turned into the cgroupfs path systemd would use
 * ("system.slice:docker:abc" -> "/system.slice/docker-abc.scope"); tsrun has no systemd
 * manager, so --systemd-cgroup only changes how the path is read. */
export function systemdPath(cgroupsPath: string, id: string): string {
  const parts = cgroupsPath.split(':');
  if (parts.length !== 3)
    throw new ConfigError(
      'linux.cgroupsPath',
      `expected "slice:prefix:name" with --systemd-cgroup, got "${cgroupsPath}"`,
    );
  const [slice, prefix, name] = parts as [string, string, string];
  const sliceName = slice === '' ? 'system.slice' : slice;
  if (!sliceName.endsWith('.slice')) throw new ConfigError('linux.cgroupsPath', `invalid slice name "${sliceName}"`);
  // "a-b-c.slice" lives in "/a.slice/a-b.slice/a-b-c.slice".
  const stem = sliceName.slice(0, -'.slice'.length);
  const dirs: string[] = [];
  if (stem !== '-') {
    const words = stem.split('-');
    for (let i = 1; i <= words.length; i++) dirs.push(`${words.slice(0, i).join('-')}.slice`);
  }
  const unit = name.endsWith('.slice') ? name : `${prefix ? `${prefix}-` : ''}${name || id}.scope`;
  return `/${[...dirs, unit].join('/')}`;
}

/** Path of the container's cgroup relative to a hierarchy's root. A relative cgroupsPath
 * (and the default, the container ID) is relative to the runtime's own cgroup, as in runc. */
export function cgroupPathIn(h: Hierarchy, cgroupsPath: string | undefined, id: string, systemd: boolean): string {
  let p = cgroupsPath ?? '';
  if (systemd && p !== '') p = systemdPath(p, id);
  if (p === '') p = id;
  const joined = p.startsWith('/') ? posix.normalize(p) : posix.join(h.ownPath, p);
  if (joined === '/' || joined.split('/').includes('..'))
    throw new ConfigError('linux.cgroupsPath', `"${cgroupsPath}" is not a cgroup below the root`);
  return joined;
}

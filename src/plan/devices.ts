// Default devices every container gets, plus linux.devices; the /dev symlinks runc makes.
import type { Device as LinuxDevice } from '../config/types';
import { DEVICE_FILE_TYPE_BITS } from '../config/linux-names';
import { S_IFCHR } from './constants';
import type { DeviceStep, SymlinkStep } from './types';

const defaults: { path: string; major: number; minor: number }[] = [
  { path: '/dev/null', major: 1, minor: 3 },
  { path: '/dev/zero', major: 1, minor: 5 },
  { path: '/dev/full', major: 1, minor: 7 },
  { path: '/dev/random', major: 1, minor: 8 },
  { path: '/dev/urandom', major: 1, minor: 9 },
  { path: '/dev/tty', major: 5, minor: 0 },
];

export function planDevices(devices: LinuxDevice[], inUserNamespace: boolean): DeviceStep[] {
  const configured = new Set(devices.map((d) => d.path));
  const steps: DeviceStep[] = defaults
    .filter((d) => !configured.has(d.path))
    .map((d) => ({
      index: -1,
      path: d.path,
      fileType: S_IFCHR,
      major: d.major,
      minor: d.minor,
      mode: 0o666,
      uid: 0,
      gid: 0,
      bindFromHost: inUserNamespace,
    }));
  devices.forEach((d, index) => {
    steps.push({
      index,
      path: d.path,
      fileType: DEVICE_FILE_TYPE_BITS[d.type] ?? S_IFCHR,
      major: d.major ?? 0,
      minor: d.minor ?? 0,
      // podman writes the file-type bits too (8630 = S_IFCHR|0666): keep the permissions.
      mode: (d.fileMode ?? 0o666) & 0o7777,
      uid: d.uid ?? 0,
      gid: d.gid ?? 0,
      bindFromHost: inUserNamespace,
    });
  });
  return steps;
}

export function devSymlinks(devices: LinuxDevice[]): SymlinkStep[] {
  const links: SymlinkStep[] = [
    { target: '/proc/self/fd', linkPath: '/dev/fd' },
    { target: '/proc/self/fd/0', linkPath: '/dev/stdin' },
    { target: '/proc/self/fd/1', linkPath: '/dev/stdout' },
    { target: '/proc/self/fd/2', linkPath: '/dev/stderr' },
  ];
  if (!devices.some((d) => d.path === '/dev/ptmx')) links.push({ target: 'pts/ptmx', linkPath: '/dev/ptmx' });
  return links;
}

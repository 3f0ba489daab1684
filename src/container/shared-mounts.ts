// A container without a mount namespace of its own makes its mounts in the runtime's
// namespace, under its rootfs (as runc does). Nothing else would ever unmount them, so
// delete and a failed create do: everything mounted at or below the rootfs, deepest first.
import { readFileSync } from 'node:fs';
import { unescapeMountField } from '../sys/proc';

export function mountPointsUnder(mountinfo: string, dir: string): string[] {
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map(unescapeMountField)
    .filter((p) => p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export function unmountUnder(dir: string): void {
  const points = mountPointsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), dir);
  if (points.length === 0) return;
  // Loaded only here: node:child_process costs ~7 ms of start-up to every command.
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  for (const point of points) {
    spawnSync('umount', ['--lazy', point], { stdio: 'ignore' });
  }
}

// The v1 devices controller: the config's linux.resources.devices rules, then the devices
// every container gets (runc's default allow list) and the config's linux.devices.
// On cgroup v2 the same rules need an eBPF device program, which tsrun does not load yet:
// create warns there that linux.resources.devices is not enforced.
import * as path from 'node:path';
import type { CgroupFs } from './manager';

export interface DeviceRule {
  allow: boolean;
  type?: string;
  major?: number | null;
  minor?: number | null;
  access?: string;
}

export interface DeviceNode {
  type: string;
  major?: number;
  minor?: number;
}

const defaultAllowed: DeviceRule[] = [
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // null
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // random
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // full
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // tty
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // zero
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // urandom
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // pts
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // ptmx
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, // tun
];

function num(n: number | null | undefined): string {
  return n === undefined || n === null || n < 0 ? '*' : String(n);
}

function ruleText(rule: DeviceRule): string {
  const type = rule.type ?? 'a';
  if (type === 'a') return 'a';
  return `${type} ${num(rule.major)}:${num(rule.minor)} ${rule.access ?? 'rwm'}`;
}

/** Writes, in order, that make the devices cgroup match the config. Pure. */
export function deviceWrites(rules: DeviceRule[], nodes: DeviceNode[]): { file: string; value: string }[] {
  const all: DeviceRule[] = [
    ...rules,
    ...defaultAllowed,
    ...nodes
      .filter((n) => n.type !== 'p')
      .map((n) => ({
        allow: true,
        type: n.type === 'u' ? 'c' : n.type,
        major: n.major ?? null,
        minor: n.minor ?? null,
        access: 'rwm',
      })),
  ];
  return all.map((r) => ({ file: r.allow ? 'devices.allow' : 'devices.deny', value: ruleText(r) }));
}

export function applyDeviceRules(cgfs: CgroupFs, dir: string, rules: DeviceRule[], nodes: DeviceNode[]): void {
  for (const w of deviceWrites(rules, nodes)) cgfs.write(path.join(dir, w.file), w.value);
}

// The v1 devices controller: the container's device rules (device-rules.ts) written, in
// order, into devices.allow and devices.deny. cgroup v2 has no such files: there the same
// rules become an eBPF program (device-filter/).
import { join } from 'node:path';
import { containerDeviceRules, type DeviceNode, type DeviceRule } from './device-rules';
import type { CgroupFs } from './manager';

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
  return containerDeviceRules(rules, nodes).map((r) => ({
    file: r.allow ? 'devices.allow' : 'devices.deny',
    value: ruleText(r),
  }));
}

export function applyDeviceRules(cgfs: CgroupFs, dir: string, rules: DeviceRule[], nodes: DeviceNode[]): void {
  for (const w of deviceWrites(rules, nodes)) cgfs.write(join(dir, w.file), w.value);
}

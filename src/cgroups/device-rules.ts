// The device rules a container's cgroup enforces, in order, whatever the cgroup version:
// the config's linux.resources.devices, then the devices every container gets (runc's
// default allow list), then the nodes of linux.devices. The v1 devices controller writes
// them into devices.allow/deny (devices-v1.ts); cgroup v2 compiles them into an eBPF
// program (device-filter/).

export interface DeviceRule {
  allow: boolean;
  /** 'a' (every type, the default), 'c' or 'b'. */
  type?: string;
  /** Absent, null or negative: any. */
  major?: number | null;
  minor?: number | null;
  /** Letters of 'rwm'; absent means 'rwm'. */
  access?: string;
}

export interface DeviceNode {
  type: string;
  major?: number;
  minor?: number;
}

/** The largest major or minor a rule can name: the eBPF filter compares it as a signed
 * 32-bit immediate (real ones are 12 and 20 bits wide). */
const MAX_NUMBER = 0x7fffffff;

/** Why a linux.resources.devices rule cannot be enforced (the field and the problem), or
 * null when it can. config/semantics.ts refuses such a config before anything is made. */
export function deviceRuleProblem(rule: DeviceRule): { field: string; problem: string } | null {
  const type = rule.type ?? 'a';
  if (!['a', 'b', 'c'].includes(type))
    return { field: 'type', problem: `unknown device type "${type}" (want a, b or c)` };
  for (const field of ['major', 'minor'] as const) {
    const n = rule[field];
    if (n !== undefined && n !== null && (!Number.isInteger(n) || n > MAX_NUMBER))
      return { field, problem: `${n} is not a device number` };
  }
  const access = rule.access ?? 'rwm';
  if (!/^[rwm]*$/.test(access)) return { field: 'access', problem: `"${access}" has a letter other than r, w and m` };
  return null;
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

/** Every rule the container's cgroup gets, in the order they apply (a later rule wins). */
export function containerDeviceRules(rules: DeviceRule[], nodes: DeviceNode[]): DeviceRule[] {
  return [
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
}

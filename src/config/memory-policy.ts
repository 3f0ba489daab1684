// linux.memoryPolicy (runtime-spec 1.3, set_mempolicy(2)): the one table of modes and flags
// that validation, the plan and `features` read, the node list parser, and the rules.

import { ConfigError } from '../errors';
import { appendIndex } from './json-path';
import type { MemoryPolicy, Spec } from './types';
import { quote } from './rule-kit';
import { parseCpuList } from './process-attributes';

type NodeRule = 'required' | 'forbidden' | 'optional';

/** Each mode's number (linux/mempolicy.h) and whether it takes nodes: MPOL_PREFERRED
 * without nodes means local allocation (set_mempolicy(2)); runc's validator says the same. */
export const MEMORY_POLICY_MODES: Readonly<Record<string, { value: number; nodes: NodeRule }>> = {
  MPOL_DEFAULT: { value: 0, nodes: 'forbidden' },
  MPOL_PREFERRED: { value: 1, nodes: 'optional' },
  MPOL_BIND: { value: 2, nodes: 'required' },
  MPOL_INTERLEAVE: { value: 3, nodes: 'required' },
  MPOL_LOCAL: { value: 4, nodes: 'forbidden' },
  MPOL_PREFERRED_MANY: { value: 5, nodes: 'required' },
  MPOL_WEIGHTED_INTERLEAVE: { value: 6, nodes: 'required' },
};

/** Mode flags, OR-ed into set_mempolicy's mode argument (linux/mempolicy.h). */
export const MEMORY_POLICY_FLAGS: Readonly<Record<string, number>> = {
  MPOL_F_NUMA_BALANCING: 1 << 13,
  MPOL_F_RELATIVE_NODES: 1 << 14,
  MPOL_F_STATIC_NODES: 1 << 15,
};

/** MAX_NUMNODES with the largest CONFIG_NODES_SHIFT (10): the child's fixed nodemask (kMaxNumaNodes in addon/src/plan.h). */
const MAX_NUMA_NODES = 1024;

/** "0-3,7" -> [0, 1, 2, 3, 7]; "" -> []; undefined when it is not such a list (the CPU
 * list syntax, nodes below MAX_NUMA_NODES). */
export function parseNodeList(text: string): number[] | undefined {
  const parsed = parseCpuList(text, MAX_NUMA_NODES);
  return 'problem' in parsed ? undefined : parsed.cpus;
}

/** Mode, flags and nodes as the document says them; the host is not asked. */
export function checkMemoryPolicy(spec: Spec): ConfigError | undefined {
  const policy = spec.linux?.memoryPolicy;
  if (!policy) return undefined;
  const at = 'linux.memoryPolicy';
  if (policy.mode === undefined) return new ConfigError(`${at}.mode`, 'is required');
  const mode = MEMORY_POLICY_MODES[policy.mode];
  if (!mode) {
    const known = Object.keys(MEMORY_POLICY_MODES).join(', ');
    return new ConfigError(`${at}.mode`, `unknown mode ${quote(policy.mode)}, expected one of ${known}`);
  }
  const flags = policy.flags ?? [];
  for (let i = 0; i < flags.length; i++) {
    if (MEMORY_POLICY_FLAGS[flags[i]!] === undefined) {
      const known = Object.keys(MEMORY_POLICY_FLAGS).join(', ');
      return new ConfigError(
        appendIndex(`${at}.flags`, i),
        `unknown flag ${quote(flags[i])}, expected one of ${known}`,
      );
    }
  }
  if (flags.includes('MPOL_F_STATIC_NODES') && flags.includes('MPOL_F_RELATIVE_NODES'))
    return new ConfigError(`${at}.flags`, 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other');
  const nodes = parseNodeList(policy.nodes ?? '');
  if (!nodes)
    return new ConfigError(
      `${at}.nodes`,
      `invalid node list ${quote(policy.nodes)}, expected numbers below ${MAX_NUMA_NODES} and ranges like "0-3,7"`,
    );
  if (mode.nodes === 'required' && nodes.length === 0)
    return new ConfigError(`${at}.nodes`, `${policy.mode} needs at least one node`);
  if (mode.nodes === 'forbidden' && nodes.length > 0)
    return new ConfigError(`${at}.nodes`, `${policy.mode} takes no nodes, got ${quote(policy.nodes)}`);
  return undefined;
}

/** Nodes beyond the host's possible ones (`possible`: /sys/devices/system/node/possible's
 * list). With MPOL_F_RELATIVE_NODES the numbers are relative to the allowed set and fold
 * onto it (set_mempolicy(2)): any is fine. */
export function checkMemoryPolicyNodesOnHost(spec: Spec, possible: number[]): ConfigError | undefined {
  const policy = spec.linux?.memoryPolicy;
  if (!policy?.nodes || policy.flags?.includes('MPOL_F_RELATIVE_NODES')) return undefined;
  const missing = (parseNodeList(policy.nodes) ?? []).find((n) => !possible.includes(n));
  if (missing === undefined) return undefined;
  return new ConfigError(
    'linux.memoryPolicy.nodes',
    `node ${missing} does not exist on this host (possible nodes: ${possible.join(',')})`,
  );
}

/** The plan's form of a checked policy: mode with its flags OR-ed in, the node numbers. */
export function memoryPolicyPlan(policy: MemoryPolicy | undefined): { mode: number; nodes: number[] } | null {
  if (!policy?.mode) return null;
  let mode = MEMORY_POLICY_MODES[policy.mode]!.value;
  for (const flag of policy.flags ?? []) mode |= MEMORY_POLICY_FLAGS[flag]!;
  return { mode, nodes: parseNodeList(policy.nodes ?? '') ?? [] };
}

// process.user, capabilities and rlimits -> numbers for the child.
import type { Process } from '../config/types';
import { capabilityNumbers, rlimitNumbers } from './constants';
import type { Capabilities, RlimitStep } from './types';

export function capabilityMask(
  names: string[] | undefined,
  available: bigint,
): { mask: bigint; unavailable: string[] } {
  let mask = 0n;
  const unavailable: string[] = [];
  for (const name of names ?? []) {
    const n = capabilityNumbers[name];
    if (n === undefined) continue; // rejected by the semantic checks
    const bit = 1n << BigInt(n);
    if (available & bit) mask |= bit;
    else if (!unavailable.includes(name)) unavailable.push(name);
  }
  return { mask, unavailable };
}

/** Capability sets for the child. Capabilities the runtime itself lacks (this host has no
 * CAP_SYS_RESOURCE in its bounding set) cannot be granted: they are left out and reported
 * to the caller, which logs a warning, as runc does for capabilities the kernel lacks.
 * What the config does not grant is not granted: without process.capabilities all five
 * sets are empty, as in runc and crun (the bounding set too, so a setuid-root binary in
 * the image cannot regain anything). */
export function planCapabilities(proc: Process, available: bigint): { caps: Capabilities; unavailable: string[] } {
  const c = proc.capabilities ?? {};
  const sets = ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const;
  const unavailable = new Set<string>();
  const caps = {} as Capabilities;
  for (const set of sets) {
    const r = capabilityMask(c[set], available);
    caps[set] = r.mask;
    for (const u of r.unavailable) unavailable.add(u);
  }
  // The kernel raises an ambient capability only if it is permitted and inheritable;
  // runc and crun quietly skip the others, and so do we.
  caps.ambient &= caps.permitted & caps.inheritable;
  return { caps, unavailable: [...unavailable] };
}

const RLIM_INFINITY = 0xffffffffffffffffn;

/** rlimit values are uint64 in JSON; JSON.parse rounds 2^64-1 up, so anything at or above
 * 2^63 is taken as unlimited. */
export function rlimitValue(n: number): bigint {
  if (n >= 2 ** 63) return RLIM_INFINITY;
  return BigInt(Math.trunc(n));
}

export function planRlimits(proc: Process): RlimitStep[] {
  return (proc.rlimits ?? []).map((r, index) => ({
    resource: rlimitNumbers[r.type] ?? -1,
    soft: rlimitValue(r.soft),
    hard: rlimitValue(r.hard),
    index,
  }));
}

/** One entry per name, as runc's init sets them (one setenv each): where the name first
 * appears, with its last value. */
export function dedupEnv(env: readonly string[]): string[] {
  const at = new Map<string, number>();
  const out: string[] = [];
  for (const entry of env) {
    const eq = entry.indexOf('=');
    const name = eq < 0 ? entry : entry.slice(0, eq);
    const i = at.get(name);
    if (i === undefined) {
      at.set(name, out.length);
      out.push(entry);
    } else out[i] = entry;
  }
  return out;
}

/** The directories of PATH in the container's environment; empty entries are dropped. */
export function searchPath(env: string[]): string[] {
  const entry = [...env].reverse().find((e) => e.startsWith('PATH='));
  return entry
    ? entry
        .slice(5)
        .split(':')
        .filter((d) => d !== '')
    : [];
}

/** HOME for a process whose env has none, as runc sets it: the user's home directory from
 * the container's /etc/passwd, else "/". */
function homeFromPasswd(passwd: string | null, uid: number): string {
  for (const line of (passwd ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length >= 7 && Number(f[2]) === uid && f[2] !== '') return f[5] || '/';
  }
  return '/';
}

export function withHome(env: string[], passwd: string | null, uid: number): string[] {
  return env.some((e) => e.startsWith('HOME=')) ? env : [...env, `HOME=${homeFromPasswd(passwd, uid)}`];
}

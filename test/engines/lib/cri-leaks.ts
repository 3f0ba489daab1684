// What a CRI test file can leave on the host beyond what any containerd file can (./ctr-leaks.ts:
// the daemon, shims and containers, mounts under the tmpdir, cgroups under the parent): the
// pods' network namespaces (still bound somewhere, or still some process's), the CNI bridge
// and the host ends of the pods' veths, iptables rules that name our network, CNI state (IP
// reservations, the result cache) and files CRI or CNI would write to fixed host paths.
// iptables rules are compared before and after, but only those naming our subnet, bridge or
// network count: other engines' test files may add and remove rules of their own meanwhile.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseMountinfo } from '../../../src/sys/proc';
import { liveProcesses } from '../../helpers/leftovers';
import { ctrLeftovers, removeAll, type Scope } from './ctr-leaks';
import type { Network } from './cri';

export interface CriScope extends Scope {
  network: Network;
  /** The pods' network namespaces seen while they ran, as /proc/PID/ns/net reads ("net:[N]"). */
  netns: Set<string>;
  /** The host ends of the pods' veths seen while they ran. */
  veths: Set<string>;
  /** Our lines of iptables-save before the daemon started. */
  iptablesBefore: string[];
  /** The host's root ("/"; a stand-in when a test plants a leak): where CRI and CNI write by default. */
  hostRoot: string;
  /** The host's /run/netns entries before the run. */
  hostNetnsBefore: string[];
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function entries(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** The lines of iptables-save (every table) that name our network, counters aside. */
export function ourIptablesRules(network: Network): string[] {
  const marks = [network.subnet, network.prefix, network.bridge, network.name];
  return run('iptables-save', [])
    .split('\n')
    .filter((l) => !l.startsWith('#') && marks.some((m) => l.includes(m)))
    .map((l) => l.replace(/\[\d+:\d+\]/, ''));
}

/** The host's network devices by name (`ip -o link`). */
function links(): string[] {
  return run('ip', ['-o', 'link', 'show'])
    .split('\n')
    .map((l) => l.split(': ')[1]?.split('@')[0] ?? '')
    .filter((n) => n !== '');
}

/** The host ends of the veths on our bridge, now. */
export function bridgePorts(network: Network): string[] {
  if (!links().includes(network.bridge)) return [];
  return run('ip', ['-o', 'link', 'show', 'master', network.bridge])
    .split('\n')
    .map((l) => l.split(': ')[1]?.split('@')[0] ?? '')
    .filter((n) => n !== '');
}

/** The host's /run/netns entries under `hostRoot`. */
export function hostNetns(hostRoot: string): string[] {
  return entries(path.join(hostRoot, 'run', 'netns'));
}

/** One line for each thing left behind; [] when nothing is. */
export function criLeftovers(scope: CriScope): string[] {
  const left = ctrLeftovers(scope);
  // The pods' network namespaces: still some process's, or still bound (nsfs mount) anywhere
  // in the host's mount table.
  for (const p of liveProcesses()) {
    let ns = '';
    try {
      ns = fs.readlinkSync(`/proc/${p.pid}/ns/net`);
    } catch {}
    if (scope.netns.has(ns)) left.push(`process ${p.pid} in a pod's network namespace ${ns}`);
  }
  for (const m of parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'))) {
    if (m.fstype === 'nsfs' && scope.netns.has(m.root)) left.push(`netns ${m.root} bound at ${m.mountPoint}`);
  }
  for (const e of entries(path.join(scope.dir, 'run', 'netns'))) left.push(`netns file run/netns/${e} in the tmpdir`);
  const devices = links();
  if (devices.includes(scope.network.bridge)) left.push(`bridge ${scope.network.bridge}`);
  for (const v of scope.veths) if (devices.includes(v)) left.push(`veth ${v}`);
  const before = new Set(scope.iptablesBefore);
  for (const rule of ourIptablesRules(scope.network)) if (!before.has(rule)) left.push(`iptables rule ${rule}`);
  // host-local keeps one file per reserved IP (the last reserved and its lock stay).
  const reservations = path.join(scope.network.ipamDir, scope.network.name);
  for (const e of entries(reservations)) {
    if (e.startsWith(scope.network.prefix)) left.push(`IP reservation ${e}`);
  }
  // CNI's result cache, in the private /var/lib (the overlay's upper layer) or the host's.
  for (const root of [path.join(scope.dir, 'overlay', '0', 'upper'), path.join(scope.hostRoot, 'var', 'lib')]) {
    for (const e of entries(path.join(root, 'cni', 'results'))) {
      if (e.startsWith(`${scope.network.name}-`)) left.push(`CNI result ${path.join(root, 'cni', 'results', e)}`);
    }
  }
  const hostNetworks = path.join(scope.hostRoot, 'var', 'lib', 'cni', 'networks', scope.network.name);
  if (fs.existsSync(hostNetworks)) left.push(`host directory ${hostNetworks}`);
  const netnsBefore = new Set(scope.hostNetnsBefore);
  for (const e of hostNetns(scope.hostRoot)) {
    if (e.startsWith('cni-') && !netnsBefore.has(e))
      left.push(`host netns file ${path.join(scope.hostRoot, 'run', 'netns', e)}`);
  }
  return left;
}

/** Remove what ctr's removal removes (the pods' processes, so their network namespaces and
 * veths go with them), and our bridge, which CNI made and leaves. */
export function removeCriLeftovers(scope: CriScope): void {
  removeAll(scope);
  if (links().includes(scope.network.bridge)) spawnSync('ip', ['link', 'delete', scope.network.bridge]);
}

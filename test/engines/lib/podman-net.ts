// A CNI bridge network of the private podman (lib/podman.ts), and what it can leave on the host.
// podman 4.3 with CNI writes some things to fixed host paths that no option moves:
// - each container's netns is bound at /run/netns/netns-<uuid> (podman also makes /run/netns
//   a shared bind mount of itself, once, as `ip netns` does);
// - libcni caches each attachment's result in /var/lib/cni/results/<network>-<id>-<ifname>;
// - the bridge, portmap and firewall plugins add iptables rules and per-container chains,
//   CNI-<hash> and CNI-DN-<hash> of network name + container id, and the shared chains
//   (CNI-FORWARD, CNI-ADMIN, CNI-HOSTPORT-*) that every CNI user on the host jumps through.
// host-local's lease files do move: the conflist podman writes (in our network_config_dir)
// gets a dataDir under the tmpdir. The leak check looks only for what carries our marks (the
// network's name, its bridge, its subnet, our containers' ids, the netns podman named). The
// once-per-host things (the shared chains, /var/lib/cni, /run/netns and its self-bind) may be
// shared with another CNI user (a containerd test running alongside): the file undoes them only
// when it made them and they hold nothing but the plugins' own scaffolding (removeOnceAdded).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mountPointsUnder } from '../../helpers/leftovers';
import type { Podman } from './podman';

export const NETNS_DIR = '/run/netns';
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';
export const CNI_RESULTS = '/var/lib/cni/results';
const CNI_HOST_LOCAL = '/var/lib/cni/networks';
/** What podman and libcni make once per host, deepest first. */
const ONCE_PER_HOST_PATHS = [CNI_RESULTS, CNI_HOST_LOCAL, '/var/lib/cni', NETNS_DIR];
/** The chains the firewall and portmap plugins share between all containers of the host. */
const SHARED_CHAINS = ['CNI-FORWARD', 'CNI-ADMIN', 'CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-MASQ', 'CNI-HOSTPORT-SETMARK'];

/** The chain name the CNI plugins derive from a network and a container id (utils.FormatChainName). */
export function cniChain(network: string, id: string, prefix = ''): string {
  return `CNI-${prefix}${createHash('sha512')
    .update(network + id)
    .digest('hex')}`.slice(0, 28);
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** iptables-save of the filter and nat tables, as rule and chain lines without counters. */
function iptablesLines(): string[] {
  return ['filter', 'nat'].flatMap((table) =>
    sh('iptables-save', ['-t', table])
      .split('\n')
      .filter((l) => l.startsWith('-A ') || l.startsWith(':'))
      .map((l) => `${table} ${l.replace(/ \[\d+:\d+\]$/, '')}`),
  );
}

function netnsEntries(): string[] {
  try {
    return fs.readdirSync(NETNS_DIR);
  } catch {
    return [];
  }
}

function linkExists(name: string): boolean {
  return spawnSync('ip', ['link', 'show', 'dev', name], { stdio: 'ignore' }).status === 0;
}

/** A free TCP port on 127.0.0.1 (bound and released by a child, as tests run synchronously). */
export function freePort(): number {
  const js =
    "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})";
  return Number(sh(process.execPath, ['-e', js]).trim());
}

/** A /24 in 10.231.0.0/16 that no route of the host uses. */
function freeSubnet(): string {
  const routes = sh('ip', ['-4', 'route', 'show']);
  for (let i = 0; i < 200; i++) {
    const x = 20 + ((process.pid + i * 37) % 230);
    if (!routes.includes(`10.231.${x}.`)) return `10.231.${x}.0/24`;
  }
  throw new Error('no free 10.231.x.0/24 subnet');
}

export class PodmanNetwork {
  readonly name: string;
  /** The bridge interface: at most 15 characters, unique to this process. */
  readonly bridge: string;
  readonly subnet: string;
  /** The subnet's first three octets and a dot, as the rules spell addresses. */
  readonly prefix: string;
  /** Ids of the containers attached, for their chains and result files. */
  readonly containers = new Set<string>();
  /** The netns paths podman named for them (inspect's SandboxKey). */
  readonly netns = new Set<string>();
  private readonly netnsBefore: Set<string>;
  private readonly iptablesBefore: Set<string>;
  /** Which of the once-per-host paths were there before the file. */
  private readonly hostPathsBefore: Set<string>;
  private readonly netnsMountBefore: boolean;
  /** The host's IPv4 forwarding switch, which the bridge plugin (isGateway) turns on. */
  private readonly ipForwardBefore: string;
  private tornDown = false;

  constructor(private readonly pm: Podman) {
    this.name = `tsrun-test-net-${process.pid}`;
    this.bridge = `tsrpn${process.pid % 10_000_000}`;
    this.subnet = freeSubnet();
    this.prefix = this.subnet.replace(/0\/24$/, '');
    this.netnsBefore = new Set(netnsEntries());
    this.iptablesBefore = new Set(iptablesLines());
    this.hostPathsBefore = new Set(ONCE_PER_HOST_PATHS.filter((p) => fs.existsSync(p)));
    this.netnsMountBefore = mountPointsUnder(NETNS_DIR).includes(NETNS_DIR);
    this.ipForwardBefore = fs.readFileSync(IP_FORWARD, 'utf8');
  }

  /** `podman network create` with our name and subnet; then, in the conflist podman wrote to
   * our network_config_dir, our bridge name (podman 4.3's CLI has no --interface-name and
   * would pick the next cni-podmanN) and host-local's dataDir under the tmpdir. podman reads
   * the conflist again on every call. */
  create(): void {
    this.pm.ok(['network', 'create', '--subnet', this.subnet, this.name]);
    const file = path.join(this.pm.tmp, 'net', `${this.name}.conflist`);
    const conf = JSON.parse(fs.readFileSync(file, 'utf8'));
    const bridge = conf.plugins.find((p: { type: string }) => p.type === 'bridge');
    bridge.bridge = this.bridge;
    bridge.ipam.dataDir = path.join(this.pm.tmp, 'cni-host-local');
    fs.writeFileSync(file, JSON.stringify(conf, null, 2));
  }

  /** Records a container attached to the network: its id and netns path. */
  track(container: string): void {
    this.containers.add(this.pm.ok(['inspect', '--format', '{{.Id}}', container]));
    const key = this.pm.ok(['inspect', '--format', '{{.NetworkSettings.SandboxKey}}', container]);
    if (key) this.netns.add(key);
  }

  private ourChains(): string[] {
    return [...this.containers].flatMap((id) => [cniChain(this.name, id), cniChain(this.name, id, 'DN-')]);
  }

  /** The iptables lines that carry our marks. */
  ourRules(): string[] {
    const marks = [`name: \\"${this.name}\\"`, this.prefix, this.bridge, ...this.containers, ...this.ourChains()];
    return iptablesLines().filter((l) => marks.some((m) => l.includes(m)));
  }

  /** One line per thing of ours the network left on the host. */
  leaks(): string[] {
    const left: string[] = [];
    for (const e of netnsEntries()) {
      const p = path.join(NETNS_DIR, e);
      if (this.netns.has(p) || (e.startsWith('netns-') && !this.netnsBefore.has(e))) left.push(`netns ${p}`);
    }
    if (linkExists(this.bridge)) {
      left.push(`bridge ${this.bridge}`);
      for (const l of sh('ip', ['-o', 'link', 'show', 'master', this.bridge]).split('\n').filter(Boolean)) {
        left.push(`link on ${this.bridge}: ${l.split(':')[1]?.trim()}`);
      }
    }
    for (const r of this.ourRules()) left.push(`iptables ${r}`);
    try {
      for (const f of fs.readdirSync(CNI_RESULTS)) {
        if (f.startsWith(`${this.name}-`)) left.push(`cni result ${path.join(CNI_RESULTS, f)}`);
      }
    } catch {}
    const hostLocal = path.join(CNI_HOST_LOCAL, this.name);
    if (fs.existsSync(hostLocal)) left.push(`host-local ${hostLocal}`);
    return left;
  }

  /** iptables lines that appeared since the start and carry none of our marks: the shared
   * chains the CNI plugins make once per host and never remove (reported, never removed). */
  sharedAdded(): string[] {
    const ours = new Set(this.ourRules());
    return iptablesLines().filter((l) => !this.iptablesBefore.has(l) && !ours.has(l));
  }

  /** The once-per-host things that appeared since the file began: shared rules and chains
   * (sharedAdded), the host paths and the /run/netns self-bind. */
  onceAdded(): string[] {
    const paths = ONCE_PER_HOST_PATHS.filter((p) => !this.hostPathsBefore.has(p) && fs.existsSync(p));
    const bind = !this.netnsMountBefore && mountPointsUnder(NETNS_DIR).includes(NETNS_DIR);
    const forward = fs.readFileSync(IP_FORWARD, 'utf8') !== this.ipForwardBefore;
    return [
      ...(forward ? [`sysctl ${IP_FORWARD}`] : []),
      ...this.sharedAdded().map((l) => `iptables ${l}`),
      ...paths.map((p) => `path ${p}`),
      ...(bind ? [`mount ${NETNS_DIR}`] : []),
    ];
  }

  /** Undoes what the CNI plugins and podman made once for the host during the file, but only
   * while no one else uses it: the shared chains when every rule in or into them is one that
   * appeared during the file and names no address or port (the plugins' fixed scaffolding,
   * no container's rule), the paths when empty. */
  removeOnceAdded(): void {
    const added = this.sharedAdded();
    const touching = iptablesLines().filter((l) => SHARED_CHAINS.some((c) => l.includes(c)));
    const scaffolding =
      added.every((l) => SHARED_CHAINS.some((c) => l.includes(c)) && !/\d+\.\d+\.\d+\.\d+|--dport/.test(l)) &&
      touching.every((l) => added.includes(l));
    if (scaffolding) {
      for (const line of added.filter((l) => l.includes(' -A '))) {
        const [table, , ...rule] = line.split(' ');
        spawnSync('sh', ['-c', `iptables -t ${table} -D ${rule.join(' ')}`]);
      }
      for (const line of added.filter((l) => / :CNI-/.test(l))) {
        const [table = '', chain = ''] = line.split(' ');
        spawnSync('iptables', ['-t', table, '-X', chain.slice(1)]);
      }
    }
    fs.writeFileSync(IP_FORWARD, this.ipForwardBefore);
    const netnsEmpty = fs.existsSync(NETNS_DIR) && fs.readdirSync(NETNS_DIR).length === 0;
    if (netnsEmpty && !this.netnsMountBefore && mountPointsUnder(NETNS_DIR).includes(NETNS_DIR)) {
      spawnSync('umount', [NETNS_DIR]);
    }
    // rmdir leaves a directory that is not empty, or still a mount point.
    for (const p of ONCE_PER_HOST_PATHS.filter((p) => !this.hostPathsBefore.has(p))) {
      try {
        fs.rmdirSync(p);
      } catch {}
    }
  }

  /** Removes the network and whatever of ours a failure left: netns podman named for our
   * containers, the bridge, our rules and chains, our result files. */
  teardown(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    this.pm.run(['network', 'rm', '--force', this.name]);
    for (const p of this.netns) {
      if (fs.existsSync(p)) spawnSync('ip', ['netns', 'delete', path.basename(p)]);
    }
    if (linkExists(this.bridge)) spawnSync('ip', ['link', 'delete', this.bridge]);
    for (const line of this.ourRules().filter((l) => l.includes(' -A '))) {
      const [table, , ...rule] = line.split(' ');
      spawnSync('sh', ['-c', `iptables -t ${table} -D ${rule.join(' ')}`]);
    }
    for (const line of this.ourRules().filter((l) => / :CNI-/.test(l))) {
      const [table = '', chain = ''] = line.split(' ');
      spawnSync('iptables', ['-t', table, '-X', chain.slice(1)]);
    }
    try {
      for (const f of fs.readdirSync(CNI_RESULTS)) {
        if (f.startsWith(`${this.name}-`)) fs.rmSync(path.join(CNI_RESULTS, f), { force: true });
      }
    } catch {}
  }
}

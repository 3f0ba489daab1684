// linux.netDevices (runtime-spec 1.3): host interfaces moved into the container's network
// namespace, renamed as asked, with its permanent global addresses (the kernel drops
// addresses on a move; runtime-spec says keep them) and up. The document rules, the host's
// side (the interface exists), and the move itself.
import { ConfigError, TsrunError } from '../errors';
import { errnoText, nodeErrorText } from '../errno';
import type { LinkAddress } from '../sys/native';
import { appendKey } from './json-path';
import type { Spec } from './types';

/** What the kernel takes as an interface name (dev_valid_name): 1..15 bytes, not "." or
 * "..", no '/', ':' or whitespace. A "%d" template is allowed: the kernel numbers it. */
export function interfaceNameProblem(name: string): string | undefined {
  if (name === '' || Buffer.byteLength(name) > 15) return `must be 1 to 15 bytes long, got ${JSON.stringify(name)}`;
  if (name === '.' || name === '..' || /[/:\s]/.test(name))
    return `is not an interface name (no "/", ":" or whitespace, not "." or ".."), got ${JSON.stringify(name)}`;
  return undefined;
}

/** Each entry's name inside the container: its `name`, or the host's. */
export function netDeviceTargets(spec: Spec): [string, string][] {
  return Object.entries(spec.linux?.netDevices ?? {}).map(([host, dev]) => [host, dev.name || host]);
}

/** Names the kernel takes, one target each, and a network namespace to move them into
 * (runc: "unable to move network devices without a NET namespace"). */
export function checkNetDevices(spec: Spec): ConfigError | undefined {
  const targets = netDeviceTargets(spec);
  if (targets.length === 0) return undefined;
  if (!spec.linux?.namespaces?.some((ns) => ns.type === 'network'))
    return new ConfigError('linux.netDevices', 'needs a network namespace (linux.namespaces has none)');
  const seen = new Set<string>();
  for (const [host, target] of targets) {
    const at = appendKey('linux.netDevices', host);
    const hostProblem = interfaceNameProblem(host);
    if (hostProblem) return new ConfigError(at, `the host interface name ${hostProblem}`);
    const targetProblem = spec.linux.netDevices![host]!.name ? interfaceNameProblem(target) : undefined;
    if (targetProblem) return new ConfigError(`${at}.name`, targetProblem);
    if (seen.has(target) && !target.includes('%d'))
      return new ConfigError(at, `two entries are named ${JSON.stringify(target)} in the container`);
    seen.add(target);
  }
  return undefined;
}

/** The host's side: each interface exists here. */
export function checkNetDevicesOnHost(spec: Spec, exists: (name: string) => boolean): ConfigError | undefined {
  for (const [host] of netDeviceTargets(spec))
    if (!exists(host))
      return new ConfigError(appendKey('linux.netDevices', host), 'no such network interface on the host');
  return undefined;
}

/** The rtnetlink steps of one move (the addon's netlink.cc). */
export interface LinkOps {
  addresses(name: string): LinkAddress[];
  /** Moved into `nsFd` and renamed; its index before. */
  move(name: string, nsFd: number, newName: string): number;
  /** Inside `nsFd`: the addresses back, then up. */
  setUp(nsFd: number, indexBefore: number, name: string, addresses: LinkAddress[]): void;
}

/** create's step once the init is in its network namespace (`nsFd`): each interface's
 * permanent global addresses read, the interface moved there and renamed, the addresses
 * added again inside, then up (runc 1.3's order). Routes are not carried: runtime-spec
 * leaves routing out, and the kernel makes the prefix routes of the addresses itself. A
 * failure fails create, whose rollback kills the init: what moved stays with the kernel,
 * which destroys a virtual device with the namespace (a physical one comes back to the
 * host); runtime-spec forbids moving it out. */
export function moveNetDevices(spec: Spec, nsFd: number, link: LinkOps): void {
  for (const [host, target] of netDeviceTargets(spec)) {
    const at = appendKey('linux.netDevices', host);
    const fail = (what: string, err: unknown) =>
      new TsrunError('ERR_TSRUN_SYSCALL', `${at}: ${what}: ${nodeErrorText(err)}`, { cause: err });
    let addresses: LinkAddress[];
    let indexBefore: number;
    try {
      addresses = link.addresses(host);
    } catch (err) {
      throw fail('read its addresses', err);
    }
    try {
      indexBefore = link.move(host, nsFd, target);
    } catch (err) {
      throw fail(`move into the container as ${target}`, err);
    }
    try {
      link.setUp(nsFd, indexBefore, target, addresses);
    } catch (err) {
      const e = err as { op?: string; subject?: string; errno?: number };
      if (e.op === 'RTM_NEWADDR' && e.errno !== undefined)
        throw new TsrunError(
          'ERR_TSRUN_SYSCALL',
          `${at}: add address ${e.subject} in the container: ${errnoText(e.errno)}`,
          {
            cause: err,
          },
        );
      throw fail(`set up as ${target} in the container`, err);
    }
  }
}

// linux.netDevices (runtime-spec 1.3): host interfaces moved into the container's network
// namespace, renamed as asked. The document rules, the host's side (the interface exists,
// it has no address the move would lose), and the move itself (one RTM_NEWLINK each).
import { ConfigError, TsrunError } from '../errors';
import { nodeErrorText } from '../errno';
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

/** The host's side: each interface exists here, and has no permanent global address the
 * spec wants kept, which tsrun cannot re-add inside the container yet (the kernel drops
 * addresses on a move). `globalAddresses(name)`: their count, -1 for no such interface. */
export function checkNetDevicesOnHost(spec: Spec, globalAddresses: (name: string) => number): ConfigError | undefined {
  for (const [host] of netDeviceTargets(spec)) {
    const count = globalAddresses(host);
    const at = appendKey('linux.netDevices', host);
    if (count < 0) return new ConfigError(at, 'no such network interface on the host');
    if (count > 0)
      return new ConfigError(at, `has ${count} permanent global IP address(es), which tsrun cannot carry over yet`);
  }
  return undefined;
}

/** create's step once the init is in its network namespace (`nsFd`): each interface moved
 * there, renamed, up. runtime-spec: a failure leaves what moved to the kernel, which
 * hands it back (or, virtual, destroys it) with the namespace. */
export function moveNetDevices(
  spec: Spec,
  nsFd: number,
  moveLink: (name: string, nsFd: number, newName: string) => void,
): void {
  for (const [host, target] of netDeviceTargets(spec)) {
    try {
      moveLink(host, nsFd, target);
    } catch (err) {
      throw new TsrunError(
        'ERR_TSRUN_SYSCALL',
        `${appendKey('linux.netDevices', host)}: move into the container as ${target}: ${nodeErrorText(err)}`,
        { cause: err },
      );
    }
  }
}

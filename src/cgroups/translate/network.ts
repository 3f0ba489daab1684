// linux.resources.network -> v1 net_cls.classid and net_prio.ifpriomap. cgroup v2 has
// neither controller: a class ID or priorities there are an error.
import { ConfigError } from '../../errors';
import type { Resources } from '../../config/types';
import { collector, type HostView, type Translation } from './types';

const AT = 'linux.resources.network';

export function networkWrites(network: Resources['network'], host: HostView): Translation {
  const out = collector();
  if (!network) return out;
  const priorities = network.priorities ?? [];
  if (host.version === 2) {
    if (network.classID) throw new ConfigError(`${AT}.classID`, 'cgroup v2 has no net_cls controller');
    if (priorities.length > 0) throw new ConfigError(`${AT}.priorities`, 'cgroup v2 has no net_prio controller');
    return out;
  }
  if (network.classID) out.write('net_cls', 'net_cls.classid', String(network.classID), `${AT}.classID`);
  for (const [i, p] of priorities.entries())
    out.write('net_prio', 'net_prio.ifpriomap', `${p.name} ${p.priority}`, `${AT}.priorities[${i}]`);
  return out;
}

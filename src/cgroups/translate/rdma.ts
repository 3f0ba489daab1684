// linux.resources.rdma -> rdma.max, one line per device: "mlx5_1 hca_handle=3 hca_object=10000"
// (the same file on v1 and v2); a limit the config leaves out is not written.
import type { Resources } from '../../config/types';
import { appendKey } from '../../config/json-path';
import { collector, type Translation } from './types';

export function rdmaWrites(rdma: Resources['rdma']): Translation {
  const out = collector();
  for (const device of Object.keys(rdma ?? {}).sort()) {
    const limits = rdma?.[device] ?? {};
    let line = device;
    if (limits.hcaHandles !== undefined) line += ` hca_handle=${limits.hcaHandles}`;
    if (limits.hcaObjects !== undefined) line += ` hca_object=${limits.hcaObjects}`;
    if (line !== device) out.write('rdma', 'rdma.max', line, appendKey('linux.resources.rdma', device));
  }
  return out;
}

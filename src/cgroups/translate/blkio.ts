// linux.resources.blockIO -> v1 blkio.* files, v2 io.weight / io.bfq.weight and io.max.
// The BFQ scheduler's weight files are used when the kernel shows them (as runc does);
// v2's io.weight takes runc's conversion of the blkio range [10, 1000] onto [1, 10000].
import type { Resources } from '../../config/types';
import { collector, type HostView, type Translation } from './types';

type BlockIO = NonNullable<Resources['blockIO']>;
const AT = 'linux.resources.blockIO';
const THROTTLES = [
  ['throttleReadBpsDevice', 'read_bps_device', 'rbps'],
  ['throttleWriteBpsDevice', 'write_bps_device', 'wbps'],
  ['throttleReadIOPSDevice', 'read_iops_device', 'riops'],
  ['throttleWriteIOPSDevice', 'write_iops_device', 'wiops'],
] as const;

/** runc's ConvertBlkIOToIOWeightValue. */
export function blkioToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

function v1(io: BlockIO, host: HostView): Translation {
  const out = collector();
  const bfq = host.has('blkio', 'blkio.bfq.weight');
  const weightFile = bfq ? 'blkio.bfq.weight' : 'blkio.weight';
  const weightDeviceFile = bfq ? 'blkio.bfq.weight_device' : 'blkio.weight_device';
  if (io.weight) out.write('blkio', weightFile, String(io.weight), `${AT}.weight`);
  if (io.leafWeight) out.write('blkio', 'blkio.leaf_weight', String(io.leafWeight), `${AT}.leafWeight`);
  (io.weightDevice ?? []).forEach((d, i) => {
    const at = `${AT}.weightDevice[${i}]`;
    if (d.weight) out.write('blkio', weightDeviceFile, `${d.major}:${d.minor} ${d.weight}`, `${at}.weight`);
    if (d.leafWeight)
      out.write('blkio', 'blkio.leaf_weight_device', `${d.major}:${d.minor} ${d.leafWeight}`, `${at}.leafWeight`);
  });
  for (const [field, file] of THROTTLES)
    for (const [i, d] of (io[field] ?? []).entries())
      out.write('blkio', `blkio.throttle.${file}`, `${d.major}:${d.minor} ${d.rate ?? 0}`, `${AT}.${field}[${i}]`);
  return out;
}

function v2(io: BlockIO, host: HostView): Translation {
  const out = collector();
  const bfq = host.has('io', 'io.bfq.weight');
  if (io.weight)
    out.write(
      'io',
      bfq ? 'io.bfq.weight' : 'io.weight',
      String(bfq ? io.weight : blkioToIoWeight(io.weight)),
      `${AT}.weight`,
    );
  if (io.leafWeight) out.note(`${AT}.leafWeight is ignored on cgroup v2 (no leaf weights)`);
  (io.weightDevice ?? []).forEach((d, i) => {
    const at = `${AT}.weightDevice[${i}]`;
    if (d.weight)
      out.write(
        'io',
        bfq ? 'io.bfq.weight' : 'io.weight',
        `${d.major}:${d.minor} ${bfq ? d.weight : blkioToIoWeight(d.weight)}`,
        `${at}.weight`,
      );
    if (d.leafWeight) out.note(`${at}.leafWeight is ignored on cgroup v2 (no leaf weights)`);
  });
  // One io.max line per device, every limit the config gives for it.
  const perDevice = new Map<string, { at: string; limits: string[] }>();
  for (const [field, , key] of THROTTLES)
    (io[field] ?? []).forEach((d, i) => {
      const dev = `${d.major}:${d.minor}`;
      const entry = perDevice.get(dev) ?? { at: `${AT}.${field}[${i}]`, limits: [] };
      entry.limits.push(`${key}=${d.rate ? d.rate : 'max'}`);
      perDevice.set(dev, entry);
    });
  for (const [dev, { at, limits }] of perDevice) out.write('io', 'io.max', `${dev} ${limits.join(' ')}`, at);
  return out;
}

export function blkioWrites(io: BlockIO | undefined, host: HostView): Translation {
  if (!io) return collector();
  return host.version === 1 ? v1(io, host) : v2(io, host);
}

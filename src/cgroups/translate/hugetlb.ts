// linux.resources.hugepageLimits -> v1 hugetlb.<size>.limit_in_bytes, v2 hugetlb.<size>.max,
// and the reservation limit beside it (.rsvd.) where the kernel shows one, as runc does.
// The page size is the kernel's own spelling ("2MB", "1GB"), used as the file name.
import { ConfigError } from '../../errors';
import type { Resources } from '../../config/types';
import { collector, type HostView, type Translation } from './types';

const AT = 'linux.resources.hugepageLimits';

export function hugetlbWrites(limits: Resources['hugepageLimits'], host: HostView): Translation {
  const out = collector();
  (limits ?? []).forEach(({ pageSize, limit }, i) => {
    const at = `${AT}[${i}]`;
    if (!/^[1-9][0-9]*[KMG]B$/.test(pageSize))
      throw new ConfigError(`${at}.pageSize`, `invalid page size "${pageSize}" (expected like "2MB" or "1GB")`);
    const [file, rsvd] =
      host.version === 1
        ? [`hugetlb.${pageSize}.limit_in_bytes`, `hugetlb.${pageSize}.rsvd.limit_in_bytes`]
        : [`hugetlb.${pageSize}.max`, `hugetlb.${pageSize}.rsvd.max`];
    out.write('hugetlb', file, String(limit), `${at}.limit`);
    out.write('hugetlb', rsvd, String(limit), `${at}.limit`, true);
  });
  return out;
}

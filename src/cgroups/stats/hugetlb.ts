// Huge pages per page size. The sizes are the host's (/sys/kernel/mm/hugepages), named as
// the kernel names them in cgroup files ("2MB", "1GB"). Where the kernel has reservation
// counters (.rsvd.), runc reads those.
import { StatFileError, type StatDir } from './files';
import type { HugetlbStats } from './types';

/** "hugepages-2048kB" -> "2MB", "hugepages-1048576kB" -> "1GB", "hugepages-64kB" -> "64KB";
 * other names are skipped. */
export function hugePageSizes(dirNames: string[]): string[] {
  const sizes: string[] = [];
  for (const name of dirNames) {
    const m = /^hugepages-([0-9]+)kB$/.exec(name);
    if (!m) continue;
    const kb = Number(m[1]);
    sizes.push(kb >= 1 << 20 ? `${kb >> 20}GB` : kb >= 1 << 10 ? `${kb >> 10}MB` : `${kb}KB`);
  }
  return sizes;
}

/** The reservation counters (".rsvd") where the kernel has them: once a read finds none,
 * runc reads the plain counters from then on. */
class RsvdChoice {
  rsvd = '.rsvd';

  read(read: (rsvd: string) => bigint): bigint {
    try {
      return read(this.rsvd);
    } catch (err) {
      if (this.rsvd === '' || !(err instanceof StatFileError && err.missing)) throw err;
      this.rsvd = '';
      return read(this.rsvd);
    }
  }
}

/** v1: usage, max usage and failcnt per size (no cgroup, nothing). */
export function readHugetlbV1(dir: StatDir, pageSizes: string[], into: Map<string, HugetlbStats>): void {
  if (!dir.exists()) return;
  const choice = new RsvdChoice();
  for (const size of pageSizes) {
    const usage = choice.read((r) => dir.uint(`hugetlb.${size}${r}.usage_in_bytes`));
    const prefix = `hugetlb.${size}${choice.rsvd}`;
    into.set(size, {
      usage,
      max: dir.uint(`${prefix}.max_usage_in_bytes`),
      failcnt: dir.uint(`${prefix}.failcnt`),
    });
  }
}

/** v2: usage (.current) and the "max" count of hugetlb.<size>.events as failcnt. */
export function readHugetlbV2(dir: StatDir, pageSizes: string[], into: Map<string, HugetlbStats>): void {
  const choice = new RsvdChoice();
  for (const size of pageSizes) {
    const usage = choice.read((r) => dir.uint(`hugetlb.${size}${r}.current`));
    into.set(size, { usage, max: 0n, failcnt: dir.valueByKey(`hugetlb.${size}.events`, 'max') });
  }
}

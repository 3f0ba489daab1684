// A container's cgroup statistics (what `events` reports), read through CgroupFs from the
// container's cgroups. v1 (and hybrid, as runc's fs driver): controller by controller in
// runc's order, a controller the host lacks skipped, the first failure fatal. v2 (runc's
// fs2): one directory; a missing file leaves its part out, other failures are gathered.
import { cgroupVersion, type Hierarchy } from '../hierarchies';
import type { CgroupFs, CgroupRecord } from '../manager';
import { controllerDir } from '../resources';
import { readBlkioV1, readIoV2 } from './blkio';
import { readCpuacctV1, readCpuV1, readCpuV2 } from './cpu';
import { readCpusetV1 } from './cpuset';
import { StatDir, StatFileError } from './files';
import { readHugetlbV1, readHugetlbV2 } from './hugetlb';
import { readMemoryV1, readMemoryV2 } from './memory';
import { readPidsV1, readPidsV2 } from './pids';
import { readPsi } from './psi';
import { type CgroupStats, emptyStats } from './types';

export interface StatsSource {
  cgfs: CgroupFs;
  hierarchies: Hierarchy[];
  record: CgroupRecord;
  /** The host's huge page sizes ("2MB"), from hugePageSizes. */
  pageSizes: string[];
}

function readV1(src: StatsSource, stats: CgroupStats): void {
  const readers: [string, (dir: StatDir) => void][] = [
    ['cpuset', (d) => readCpusetV1(d, stats.cpuset)],
    ['memory', (d) => readMemoryV1(d, stats.memory)],
    ['cpu', (d) => readCpuV1(d, stats.cpu)],
    ['cpuacct', (d) => readCpuacctV1(d, stats.cpu)],
    ['pids', (d) => readPidsV1(d, stats.pids)],
    ['blkio', (d) => readBlkioV1(d, stats.blkio)],
    ['hugetlb', (d) => readHugetlbV1(d, src.pageSizes, stats.hugetlb)],
  ];
  for (const [controller, read] of readers) {
    const dir = controllerDir(src.hierarchies, src.record, controller);
    if (dir) read(new StatDir(src.cgfs, dir));
  }
}

function readV2(src: StatsSource, stats: CgroupStats): void {
  const dirPath = controllerDir(src.hierarchies, src.record, 'memory');
  if (!dirPath) return;
  const dir = new StatDir(src.cgfs, dirPath);
  const errors: Error[] = [];
  /** Runs a part; `skipMissing`: a file that is not there leaves the part out. */
  const part = (read: () => void, skipMissing: boolean) => {
    try {
      read();
    } catch (err) {
      if (skipMissing && err instanceof StatFileError && err.missing) return;
      errors.push(err as Error);
    }
  };
  part(() => readPidsV2(dir, stats.pids), false);
  part(() => readMemoryV2(dir, stats.memory), true);
  part(() => (stats.memory.psi = readPsi(dir, 'memory.pressure')), false);
  part(() => readIoV2(dir, stats.blkio), true);
  part(() => (stats.blkio.psi = readPsi(dir, 'io.pressure')), false);
  part(() => readCpuV2(dir, stats.cpu), true);
  part(() => (stats.cpu.psi = readPsi(dir, 'cpu.pressure')), false);
  part(() => readHugetlbV2(dir, src.pageSizes, stats.hugetlb), true);
  if (errors.length > 0)
    throw new StatFileError(`error while statting cgroup v2: [${errors.map((e) => e.message).join(' ')}]`, false, {
      cause: errors[0],
    });
}

/** The statistics of the container's cgroups; throws StatFileError. */
export function readCgroupStats(src: StatsSource): CgroupStats {
  const stats = emptyStats();
  if (cgroupVersion(src.hierarchies) === 2) readV2(src, stats);
  else readV1(src, stats);
  return stats;
}

// Block I/O. v1: the blkio files of the first scheduler whose statistics are there (bfq
// with its debug files, bfq, cfq, the throttle counters recursive, then not), in runc's
// order and with its rule: the group whose first file is missing or empty is skipped.
// v2: io.stat's rbytes/wbytes (bytes) and rios/wios (operations) per device.
import { fileLines, parseUint, type StatDir } from './files';
import type { BlkioEntry, BlkioList, BlkioStats } from './types';

type Group = [file: string, list: BlkioList][];

const GROUPS_V1: Group[] = [
  [
    ['blkio.bfq.sectors_recursive', 'sectorsRecursive'],
    ['blkio.bfq.io_service_time_recursive', 'ioServiceTimeRecursive'],
    ['blkio.bfq.io_wait_time_recursive', 'ioWaitTimeRecursive'],
    ['blkio.bfq.io_merged_recursive', 'ioMergedRecursive'],
    ['blkio.bfq.io_queued_recursive', 'ioQueueRecursive'],
    ['blkio.bfq.time_recursive', 'ioTimeRecursive'],
    ['blkio.bfq.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.bfq.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.bfq.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.bfq.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.sectors_recursive', 'sectorsRecursive'],
    ['blkio.io_service_time_recursive', 'ioServiceTimeRecursive'],
    ['blkio.io_wait_time_recursive', 'ioWaitTimeRecursive'],
    ['blkio.io_merged_recursive', 'ioMergedRecursive'],
    ['blkio.io_queued_recursive', 'ioQueueRecursive'],
    ['blkio.time_recursive', 'ioTimeRecursive'],
    ['blkio.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.throttle.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.throttle.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.throttle.io_serviced', 'ioServicedRecursive'],
    ['blkio.throttle.io_service_bytes', 'ioServiceBytesRecursive'],
  ],
];

/** "8:0 Read 1282048" or "8:0 6792" lines; the "Total N" line is skipped. A missing file is
 * no entries. */
function entriesV1(dir: StatDir, file: string): BlkioEntry[] {
  const text = dir.readIfThere(file);
  if (text === undefined) return [];
  const num = (s: string) => {
    try {
      return parseUint(s);
    } catch (err) {
      throw dir.parseError(file, (err as Error).message);
    }
  };
  const entries: BlkioEntry[] = [];
  for (const line of fileLines(text)) {
    const f = line.split(/[ :]+/).filter(Boolean);
    if (f.length < 3) {
      if (f.length === 2 && f[0] === 'Total') continue;
      throw dir.parseError(file, `malformed line ${JSON.stringify(line)}`);
    }
    const [op, value] = f.length === 4 ? [f[2] as string, f[3] as string] : ['', f[2] as string];
    entries.push({ major: num(f[0] as string), minor: num(f[1] as string), op, value: num(value) });
  }
  return entries;
}

export function readBlkioV1(dir: StatDir, into: BlkioStats): void {
  for (const group of GROUPS_V1) {
    for (const [i, [file, list]] of group.entries()) {
      const entries = entriesV1(dir, file);
      if (entries.length === 0) {
        if (i === 0) break; // this scheduler has nothing: the next group
        return; // runc stops here, keeping what it has
      }
      into.lists[list] = entries;
      if (i === group.length - 1) return;
    }
  }
}

const IO_STAT_KEYS: Record<string, [BlkioList, string]> = {
  rbytes: ['ioServiceBytesRecursive', 'Read'],
  wbytes: ['ioServiceBytesRecursive', 'Write'],
  rios: ['ioServicedRecursive', 'Read'],
  wios: ['ioServicedRecursive', 'Write'],
};

/** v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device. Keys
 * runc does not report (discards, cost.*) are left out. */
export function readIoV2(dir: StatDir, into: BlkioStats): void {
  const file = 'io.stat';
  for (const line of fileLines(dir.read(file))) {
    const [device = '', ...items] = line.split(/\s+/).filter(Boolean);
    if (items.length === 0) continue;
    const d = device.split(':');
    if (d.length !== 2) continue;
    const num = (s: string) => {
      try {
        return parseUint(s);
      } catch (err) {
        throw dir.parseError(file, (err as Error).message);
      }
    };
    const [major, minor] = [num(d[0] as string), num(d[1] as string)];
    for (const item of items) {
      const kv = item.split('=');
      const target = kv.length === 2 ? IO_STAT_KEYS[kv[0] as string] : undefined;
      if (!target) continue;
      into.lists[target[0]].push({ major, minor, op: target[1], value: num(kv[1] as string) });
    }
  }
}

// The per-resource translators (src/cgroups/translate/*.ts): linux.resources -> ordered
// cgroup file writes, v1 and v2, against a host described by a table (no files).
import t from 'tap';
import { blkioToIoWeight, blkioWrites } from '../../src/cgroups/translate/blkio';
import { cpuWrites, sharesToWeight } from '../../src/cgroups/translate/cpu';
import { hugetlbWrites } from '../../src/cgroups/translate/hugetlb';
import { memoryWrites, swapForV2 } from '../../src/cgroups/translate/memory';
import { networkWrites } from '../../src/cgroups/translate/network';
import { pidsWrites } from '../../src/cgroups/translate/pids';
import { rdmaWrites } from '../../src/cgroups/translate/rdma';
import type { HostView, Translation } from '../../src/cgroups/translate/types';
import { unifiedWrites } from '../../src/cgroups/translate/unified';

/** A host of this version whose files are `files` ("controller/file" -> content). */
function host(version: 1 | 2, files: Record<string, string> = {}): HostView {
  return {
    version,
    has: (c, f) => `${c}/${f}` in files,
    read: (c, f) => files[`${c}/${f}`],
  };
}
const v1 = host(1);
const v2 = host(2);

/** "controller/file=value" per write, in order: easy to read in a failure. */
function lines(tr: Translation): string[] {
  return tr.writes.map((w) => `${w.controller}/${w.file}=${w.value}${w.optional ? ' (optional)' : ''}`);
}

t.test('memory v1: limit, memsw in the right order, reservation, swappiness, OOM killer', async (t) => {
  const full = { limit: 67108864, swap: 134217728, reservation: 33554432, swappiness: 10, disableOOMKiller: true };
  t.same(lines(memoryWrites(full, host(1, { 'memory/memory.limit_in_bytes': '9223372036854771712\n' }))), [
    'memory/memory.limit_in_bytes=67108864',
    'memory/memory.memsw.limit_in_bytes=134217728',
    'memory/memory.soft_limit_in_bytes=33554432',
    'memory/memory.swappiness=10',
    'memory/memory.oom_control=1',
  ]);
  t.same(
    lines(memoryWrites({ limit: 64, swap: 128 }, host(1, { 'memory/memory.limit_in_bytes': '32' }))),
    ['memory/memory.memsw.limit_in_bytes=128', 'memory/memory.limit_in_bytes=64'],
    'raising above the current limit: memory+swap first',
  );
  t.same(
    lines(memoryWrites({ limit: 64, swap: -1 }, v1)),
    ['memory/memory.memsw.limit_in_bytes=-1', 'memory/memory.limit_in_bytes=64'],
    'unlimited swap goes first',
  );
  t.same(
    lines(memoryWrites({ limit: -1 }, v1)),
    ['memory/memory.memsw.limit_in_bytes=-1', 'memory/memory.limit_in_bytes=-1'],
    'unlimited memory without swap makes swap unlimited too',
  );
  t.same(lines(memoryWrites({ limit: 0, swap: 0, reservation: 0, disableOOMKiller: false }, v1)), [], 'docker zeros');
  t.same(lines(memoryWrites({ swappiness: -1 }, v1)), [], 'swappiness -1: the kernel default');
  t.throws(() => memoryWrites({ swappiness: 101 }, v1), {
    message: 'config.json: linux.resources.memory.swappiness: invalid value 101 (valid range is 0-100)',
  });
  const ignored = memoryWrites(
    { kernel: 1 << 20, kernelTCP: 1 << 20, useHierarchy: true, checkBeforeUpdate: true },
    v1,
  );
  t.same(ignored.writes, [], 'kernel, kernelTCP, useHierarchy and checkBeforeUpdate write nothing');
  t.match(ignored.notes, [/memory\.kernel is deprecated/, /memory\.kernelTCP is deprecated/, /useHierarchy/]);
  t.same(lines(memoryWrites(undefined, v1)), []);
});

t.test('memory v2: memory.max, memory.swap.max = swap - limit, memory.low', async (t) => {
  t.same(lines(memoryWrites({ limit: 67108864, swap: 134217728, reservation: 1024 }, v2)), [
    'memory/memory.swap.max=67108864',
    'memory/memory.max=67108864',
    'memory/memory.low=1024',
  ]);
  t.same(
    lines(memoryWrites({ limit: 64, swap: 64 }, v2)),
    ['memory/memory.swap.max=0 (optional)', 'memory/memory.max=64'],
    'swap == limit: no swap (tolerated without swap accounting)',
  );
  t.same(
    lines(memoryWrites({ limit: -1 }, v2)),
    ['memory/memory.swap.max=max (optional)', 'memory/memory.max=max'],
    'unlimited',
  );
  t.same(lines(memoryWrites({ limit: 0, disableOOMKiller: false }, v2)), [], 'docker zeros');
  t.equal(swapForV2(0, 64), 0);
  t.equal(swapForV2(-1, 64), -1);
  t.equal(swapForV2(0, -1), -1);
  t.throws(() => swapForV2(128, 0), { message: /memory\.swap: unable to set swap limit without memory limit/ });
  t.throws(() => swapForV2(32, 64), { message: /memory\.swap: memory\+swap limit should be >= memory limit/ });
  const notes = memoryWrites({ swappiness: 60, disableOOMKiller: true }, v2);
  t.same(notes.writes, []);
  t.match(notes.notes, [/swappiness is ignored on cgroup v2/, /disableOOMKiller is ignored on cgroup v2/]);
  t.throws(() => memoryWrites({ swappiness: 200 }, v2), { message: /valid range is 0-100/ });
});

t.test('cpu v1: shares, period before quota, burst, realtime, cpuset', async (t) => {
  const cpu = {
    shares: 1024,
    quota: 50000,
    period: 100000,
    burst: 1000,
    realtimePeriod: 1000000,
    realtimeRuntime: 950000,
    cpus: '0-1',
    mems: '0',
  };
  t.same(lines(cpuWrites(cpu, v1)), [
    'cpu/cpu.shares=1024',
    'cpu/cpu.cfs_period_us=100000',
    'cpu/cpu.cfs_quota_us=50000',
    'cpu/cpu.cfs_burst_us=1000',
    'cpu/cpu.rt_period_us=1000000',
    'cpu/cpu.rt_runtime_us=950000',
    'cpuset/cpuset.cpus=0-1',
    'cpuset/cpuset.mems=0',
  ]);
  t.same(lines(cpuWrites({ shares: 0, quota: 0, period: 0, cpus: '', mems: '' }, v1)), [], 'zeros are not set');
  t.same(lines(cpuWrites({ quota: -1 }, v1)), ['cpu/cpu.cfs_quota_us=-1']);
  const shares = cpuWrites({ shares: 1000000 }, v1).writes[0];
  t.equal(shares?.check?.('262144\n'), 'the maximum allowed cpu-shares is 262144', 'the kernel clamped it');
  t.equal(cpuWrites({ shares: 1 }, v1).writes[0]?.check?.('2'), 'the minimum allowed cpu-shares is 2');
  t.equal(shares?.check?.('1000000'), undefined, 'kept as written');
  t.same(lines(cpuWrites({ burst: 0 }, v1)), ['cpu/cpu.cfs_burst_us=0 (optional)'], 'burst 0 without the file passes');
  const idle = cpuWrites({ idle: 1 }, v1);
  t.same(idle.writes, []);
  t.match(idle.notes, [/cpu\.idle is ignored on cgroup v1/]);
});

t.test('cpu v2: weight from shares, cpu.max, burst, idle; realtime refused', async (t) => {
  t.same(lines(cpuWrites({ shares: 1024, quota: 50000, period: 100000, burst: 0, idle: 0, cpus: '1' }, v2)), [
    'cpu/cpu.idle=0',
    'cpu/cpu.weight=39',
    'cpu/cpu.max=50000 100000',
    'cpu/cpu.max.burst=0 (optional)',
    'cpuset/cpuset.cpus=1',
  ]);
  t.same(lines(cpuWrites({ period: 100000 }, v2)), ['cpu/cpu.max=max 100000'], 'a period alone: no quota');
  t.same(lines(cpuWrites({ quota: -1, period: 50000 }, v2)), ['cpu/cpu.max=max 50000']);
  t.same(lines(cpuWrites({ quota: 20000 }, v2)), ['cpu/cpu.max=20000 100000'], 'the default period, as runc');
  t.equal(sharesToWeight(0), 0);
  t.equal(sharesToWeight(2), 1);
  t.equal(sharesToWeight(1024), 39);
  t.equal(sharesToWeight(262144), 10000);
  t.throws(() => cpuWrites({ realtimeRuntime: 950000 }, v2), {
    message: 'config.json: linux.resources.cpu.realtimeRuntime: realtime scheduling is not supported on cgroup v2',
  });
});

t.test('pids: a positive limit, -1 is max, 0 is not set', async (t) => {
  t.same(lines(pidsWrites({ limit: 50 })), ['pids/pids.max=50']);
  t.same(lines(pidsWrites({ limit: -1 })), ['pids/pids.max=max']);
  t.same(lines(pidsWrites({ limit: 0 })), []);
  t.same(lines(pidsWrites(undefined)), []);
});

const blockIO = {
  weight: 500,
  leafWeight: 300,
  weightDevice: [{ major: 8, minor: 0, weight: 600, leafWeight: 200 }],
  throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
  throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 2097152 }],
  throttleReadIOPSDevice: [{ major: 8, minor: 16, rate: 100 }],
  throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 0 }],
};

t.test('blockIO v1: weights (bfq when shown), throttles', async (t) => {
  t.same(lines(blkioWrites(blockIO, v1)), [
    'blkio/blkio.weight=500',
    'blkio/blkio.leaf_weight=300',
    'blkio/blkio.weight_device=8:0 600',
    'blkio/blkio.leaf_weight_device=8:0 200',
    'blkio/blkio.throttle.read_bps_device=8:0 1048576',
    'blkio/blkio.throttle.write_bps_device=8:0 2097152',
    'blkio/blkio.throttle.read_iops_device=8:16 100',
    'blkio/blkio.throttle.write_iops_device=8:0 0',
  ]);
  t.same(
    lines(
      blkioWrites(
        { weight: 100, weightDevice: [{ major: 8, minor: 0, weight: 10 }] },
        host(1, { 'blkio/blkio.bfq.weight': '100' }),
      ),
    ),
    ['blkio/blkio.bfq.weight=100', 'blkio/blkio.bfq.weight_device=8:0 10'],
  );
  t.same(lines(blkioWrites({ weight: 0 }, v1)), [], 'docker writes weight 0: not set');
  t.same(lines(blkioWrites({}, v1)), []);
});

t.test('blockIO v2: io.weight converted (io.bfq.weight as is), one io.max line per device', async (t) => {
  const tr = blkioWrites(blockIO, v2);
  t.same(lines(tr), [
    'io/io.weight=4950',
    'io/io.weight=8:0 5960',
    'io/io.max=8:0 rbps=1048576 wbps=2097152 wiops=max',
    'io/io.max=8:16 riops=100',
  ]);
  t.match(tr.notes, [/blockIO\.leafWeight is ignored/, /weightDevice\[0\]\.leafWeight is ignored/]);
  t.same(lines(blkioWrites({ weight: 500 }, host(2, { 'io/io.bfq.weight': 'default 100' }))), ['io/io.bfq.weight=500']);
  t.equal(blkioToIoWeight(0), 0);
  t.equal(blkioToIoWeight(10), 1);
  t.equal(blkioToIoWeight(1000), 10000);
  t.equal(blkioToIoWeight(500), 4950);
});

t.test('hugepageLimits: the page size in the file name, .rsvd. where shown', async (t) => {
  const limits = [
    { pageSize: '2MB', limit: 4194304 },
    { pageSize: '1GB', limit: 0 },
  ];
  t.same(lines(hugetlbWrites(limits, v1)), [
    'hugetlb/hugetlb.2MB.limit_in_bytes=4194304',
    'hugetlb/hugetlb.2MB.rsvd.limit_in_bytes=4194304 (optional)',
    'hugetlb/hugetlb.1GB.limit_in_bytes=0',
    'hugetlb/hugetlb.1GB.rsvd.limit_in_bytes=0 (optional)',
  ]);
  t.same(lines(hugetlbWrites(limits.slice(0, 1), v2)), [
    'hugetlb/hugetlb.2MB.max=4194304',
    'hugetlb/hugetlb.2MB.rsvd.max=4194304 (optional)',
  ]);
  t.throws(() => hugetlbWrites([{ pageSize: '2M', limit: 1 }], v1), {
    message:
      'config.json: linux.resources.hugepageLimits[0].pageSize: invalid page size "2M" (expected like "2MB" or "1GB")',
  });
  t.throws(() => hugetlbWrites([{ pageSize: '../2MB', limit: 1 }], v2), { code: 'ERR_TSRUN_CONFIG' });
});

t.test('network: net_cls and net_prio on v1, an error on v2', async (t) => {
  const network = {
    classID: 1048577,
    priorities: [
      { name: 'eth0', priority: 500 },
      { name: 'lo', priority: 1000 },
    ],
  };
  t.same(lines(networkWrites(network, v1)), [
    'net_cls/net_cls.classid=1048577',
    'net_prio/net_prio.ifpriomap=eth0 500',
    'net_prio/net_prio.ifpriomap=lo 1000',
  ]);
  t.same(lines(networkWrites({ classID: 0 }, v1)), []);
  t.throws(() => networkWrites(network, v2), {
    message: 'config.json: linux.resources.network.classID: cgroup v2 has no net_cls controller',
  });
  t.throws(() => networkWrites({ priorities: [{ name: 'lo', priority: 1 }] }, v2), { message: /net_prio/ });
  t.same(lines(networkWrites({}, v2)), []);
});

t.test('rdma: one rdma.max line per device, only the limits given', async (t) => {
  t.same(lines(rdmaWrites({ mlx5_1: { hcaHandles: 3, hcaObjects: 10000 }, mlx4_0: { hcaObjects: 5 }, none: {} })), [
    'rdma/rdma.max=mlx4_0 hca_object=5',
    'rdma/rdma.max=mlx5_1 hca_handle=3 hca_object=10000',
  ]);
  t.equal(rdmaWrites({ 'mlx5-1': { hcaHandles: 1 } }).writes[0]?.at, 'linux.resources.rdma."mlx5-1"');
});

t.test('unified: written as given on v2, refused on v1', async (t) => {
  t.same(lines(unifiedWrites({ 'memory.high': '1G', 'cgroup.freeze': '0' }, v2)), [
    'memory/memory.high=1G',
    'cgroup/cgroup.freeze=0',
  ]);
  t.equal(unifiedWrites({ 'memory.high': '1G' }, v2).writes[0]?.at, 'linux.resources.unified."memory.high"');
  t.throws(() => unifiedWrites({ 'memory.high': '1G' }, v1), {
    message: 'config.json: linux.resources.unified: needs cgroup v2, and this host uses cgroup v1 controllers',
  });
  t.same(lines(unifiedWrites({}, v1)), [], 'empty is fine anywhere');
  t.throws(() => unifiedWrites({ '../memory.max': '1' }, v2), { message: /is not a cgroup file name/ });
  t.throws(() => unifiedWrites({ memory: '1' }, v2), { message: /is not a cgroup file name/ });
});

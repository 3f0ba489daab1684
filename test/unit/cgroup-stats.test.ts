// The statistics `events` prints, read from fake v1 and v2 cgroup trees with the contents
// real kernels give, and rendered as runc's Go encoder writes them (field order, omitempty,
// sorted maps, exact uint64). The OOM counter and the populated check of the stream, and
// --interval's Go duration syntax, are here too.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import type { Hierarchy } from '../../src/cgroups/hierarchies';
import { hostCgroupFs } from '../../src/cgroups/manager';
import { cgroupPopulated, memoryCgroupOf, oomKills, parseOomKills } from '../../src/cgroups/oom';
import { v1Wake, watchOom } from '../../src/cgroups/oom-notify';
import { eventfd, signalEventfd, takeEventfdCount } from '../../src/sys/eventfd';
import { parseCpuList } from '../../src/cgroups/stats/cpuset';
import { hugePageSizes } from '../../src/cgroups/stats/hugetlb';
import { readCgroupStats, type StatsSource } from '../../src/cgroups/stats/read';
import { parseGoDuration } from '../../src/cli/duration';
import { oomEventLine, statsEventLine } from '../../src/container/event-json';

type Files = Record<string, string>;

function tmp(t: { teardown(fn: () => void): void }, prefix: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}

function writeAll(dir: string, files: Files): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), v);
}

/** A v1 host: one hierarchy per key ("cpu,cpuacct" carries both), the container's cgroup
 * "/c" in each holding `files[key]`. */
function v1Host(
  t: { teardown(fn: () => void): void },
  files: Record<string, Files>,
  pageSizes: string[] = [],
): { src: StatsSource; dir: (key: string) => string } {
  const root = tmp(t, 'tsrun-stats-v1-');
  const hierarchies: Hierarchy[] = [];
  const paths: Record<string, string> = {};
  for (const [key, content] of Object.entries(files)) {
    const mountPoint = path.join(root, key);
    hierarchies.push({ key, name: key, mountPoint, version: 1, controllers: key.split(','), ownPath: '/' });
    paths[key] = path.join(mountPoint, 'c');
    writeAll(paths[key], content);
  }
  return {
    src: { cgfs: hostCgroupFs, hierarchies, record: { paths, created: [] }, pageSizes },
    dir: (key) => paths[key] as string,
  };
}

/** A pure v2 host: the container's cgroup "/c" holding `files`. */
function v2Host(t: { teardown(fn: () => void): void }, files: Files, pageSizes: string[] = []) {
  const root = tmp(t, 'tsrun-stats-v2-');
  const dir = path.join(root, 'c');
  writeAll(dir, files);
  const hierarchies: Hierarchy[] = [
    { key: '', name: 'cgroup', mountPoint: root, version: 2, controllers: [], ownPath: '/' },
  ];
  return { src: { cgfs: hostCgroupFs, hierarchies, record: { paths: { '': dir }, created: [] }, pageSizes }, dir };
}

const data = (src: StatsSource) => JSON.parse(statsEventLine('c', readCgroupStats(src))).data;

// What a v1 container (kernel 6.x, 2 CPUs, a 16 MiB limit with swap equal to it) shows.
const MEMORY_STAT_V1 = `cache 4096
rss 3239936
rss_huge 0
shmem 0
mapped_file 0
dirty 0
writeback 0
swap 0
pgpgin 1061
pgpgout 269
pgfault 1290
pgmajfault 0
inactive_anon 3186688
active_anon 4096
inactive_file 4096
active_file 0
unevictable 0
hierarchical_memory_limit 16777216
hierarchical_memsw_limit 16777216
total_cache 4096
total_rss 3239936
`;

const V1_FULL: Record<string, Files> = {
  cpuset: {
    'cpuset.cpus': '0-1\n',
    'cpuset.mems': '0\n',
    'cpuset.cpu_exclusive': '0\n',
    'cpuset.mem_exclusive': '0\n',
    'cpuset.mem_hardwall': '0\n',
    'cpuset.memory_migrate': '0\n',
    'cpuset.memory_pressure': '0\n',
    'cpuset.memory_spread_page': '0\n',
    'cpuset.memory_spread_slab': '0\n',
    'cpuset.sched_load_balance': '1\n',
    'cpuset.sched_relax_domain_level': '-1\n',
  },
  memory: {
    'memory.stat': MEMORY_STAT_V1,
    'memory.usage_in_bytes': '3735552\n',
    'memory.max_usage_in_bytes': '16773120\n',
    'memory.limit_in_bytes': '16777216\n',
    'memory.failcnt': '47\n',
    'memory.memsw.usage_in_bytes': '3735552\n',
    'memory.memsw.max_usage_in_bytes': '16777216\n',
    'memory.memsw.limit_in_bytes': '16777216\n',
    'memory.memsw.failcnt': '3\n',
    'memory.kmem.usage_in_bytes': '491520\n',
    'memory.kmem.max_usage_in_bytes': '622592\n',
    'memory.kmem.limit_in_bytes': '9223372036854771712\n',
    'memory.kmem.failcnt': '0\n',
    'memory.kmem.tcp.usage_in_bytes': '0\n',
    'memory.kmem.tcp.max_usage_in_bytes': '0\n',
    'memory.kmem.tcp.limit_in_bytes': '9223372036854771712\n',
    'memory.kmem.tcp.failcnt': '0\n',
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n',
    'cgroup.procs': '4242\n',
  },
  'cpu,cpuacct': {
    'cpu.stat': 'nr_periods 20\nnr_throttled 3\nthrottled_time 48000000\nnr_bursts 0\nburst_time 0\n',
    'cpuacct.stat': 'user 12\nsystem 5\n',
    'cpuacct.usage': '171234567\n',
    'cpuacct.usage_percpu': '101234567 70000000 \n',
    'cpuacct.usage_all': 'cpu user system\n0 91234567 10000000\n1 60000000 10000000\n',
  },
  pids: { 'pids.current': '3\n', 'pids.max': '20\n' },
  blkio: {
    // bfq without its debug files: the bfq group (serviced, then bytes)
    'blkio.bfq.io_serviced_recursive':
      '8:0 Read 124\n8:0 Write 0\n8:0 Sync 104\n8:0 Async 20\n8:0 Discard 0\n8:0 Total 124\nTotal 124\n',
    'blkio.bfq.io_service_bytes_recursive':
      '8:0 Read 1282048\n8:0 Write 0\n8:0 Sync 1282048\n8:0 Async 0\n8:0 Discard 0\n8:0 Total 1282048\nTotal 1282048\n',
    'blkio.throttle.io_serviced_recursive': '8:0 Read 999\nTotal 999\n',
  },
  hugetlb: {
    'hugetlb.2MB.rsvd.usage_in_bytes': '4194304\n',
    'hugetlb.2MB.rsvd.max_usage_in_bytes': '6291456\n',
    'hugetlb.2MB.rsvd.failcnt': '1\n',
    'hugetlb.2MB.usage_in_bytes': '0\n',
    'hugetlb.1GB.rsvd.usage_in_bytes': '0\n',
    'hugetlb.1GB.rsvd.max_usage_in_bytes': '0\n',
    'hugetlb.1GB.rsvd.failcnt': '0\n',
  },
};

t.test('v1: a full tree renders as runc prints it, byte for byte', async (t) => {
  const { src } = v1Host(t, V1_FULL, ['2MB', '1GB']);
  const line = statsEventLine('c1', readCgroupStats(src));
  const raw = MEMORY_STAT_V1.trim()
    .split('\n')
    .map((l) => l.split(' '))
    .sort((a, b) => (a[0]! < b[0]! ? -1 : 1))
    .map(([k, v]) => `"${k}":${v}`)
    .join(',');
  const blk = (op: string, v: number) => `{"major":8,"op":"${op}"${v ? `,"value":${v}` : ''}}`;
  const expected =
    '{"type":"stats","id":"c1","data":{' +
    '"cpu":{"usage":{"total":171234567,"percpu":[101234567,70000000],"percpu_kernel":[10000000,10000000],' +
    '"percpu_user":[91234567,60000000],"kernel":50000000,"user":120000000},' +
    '"throttling":{"periods":20,"throttledPeriods":3,"throttledTime":48000000}},' +
    '"cpuset":{"cpus":[0,1],"cpu_exclusive":0,"mems":[0],"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,' +
    '"memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":1,' +
    '"sched_relax_domain_level":-1},' +
    '"memory":{"cache":4096,"usage":{"limit":16777216,"usage":3735552,"max":16773120,"failcnt":47},' +
    '"swap":{"limit":16777216,"usage":3735552,"max":16777216,"failcnt":3},' +
    '"kernel":{"limit":9223372036854771712,"usage":491520,"max":622592,"failcnt":0},' +
    `"kernelTCP":{"limit":9223372036854771712,"failcnt":0},"raw":{${raw}}},` +
    '"pids":{"current":3,"limit":20},' +
    `"blkio":{"ioServiceBytesRecursive":[${[
      blk('Read', 1282048),
      blk('Write', 0),
      blk('Sync', 1282048),
      blk('Async', 0),
      blk('Discard', 0),
      blk('Total', 1282048),
    ].join(',')}],` +
    `"ioServicedRecursive":[${[blk('Read', 124), blk('Write', 0), blk('Sync', 104), blk('Async', 20), blk('Discard', 0), blk('Total', 124)].join(',')}]},` +
    '"hugetlb":{"1GB":{"failcnt":0},"2MB":{"usage":4194304,"max":6291456,"failcnt":1}},' +
    '"intel_rdt":{},"network_interfaces":null}}\n';
  t.equal(line, expected);
});

t.test('v1: optional files absent, unlimited pids, zero counters: runc leaves them out', async (t) => {
  const files = structuredClone(V1_FULL);
  for (const f of Object.keys(files.memory!)) if (/memsw|kmem/.test(f)) delete files.memory![f];
  delete files['cpu,cpuacct']!['cpuacct.usage_all'];
  files['cpu,cpuacct']!['cpu.stat'] = 'nr_periods 0\nnr_throttled 0\nthrottled_time 0\n';
  files.pids!['pids.max'] = 'max\n';
  files.pids!['pids.current'] = '0\n';
  files.blkio = {};
  const d = data(v1Host(t, files).src);
  t.same(Object.keys(d.memory), ['cache', 'usage', 'raw'], 'no swap, kernel or kernelTCP without memsw and kmem');
  t.same(Object.keys(d.cpu), ['usage'], 'no throttling when every counter is zero');
  t.notOk('percpu_kernel' in d.cpu.usage, 'no per-CPU modes without cpuacct.usage_all');
  t.same(d.pids, {}, 'pids: zero current and "max" limit are both left out');
  t.same(d.blkio, {});
  t.same(d.hugetlb, {}, 'no page sizes, empty map (not left out)');
});

t.test('v1: a controller the host lacks is skipped; kmem without a limit file keeps its usage', async (t) => {
  const files = { memory: structuredClone(V1_FULL.memory!) };
  delete files.memory['memory.kmem.limit_in_bytes'];
  const d = data(v1Host(t, files).src);
  t.same(d.memory.kernel, { limit: 0, usage: 491520, max: 622592, failcnt: 0 });
  t.notOk(d.cpu.usage, 'no cpuacct hierarchy: no usage');
  t.same(d.pids, {});
});

t.test('v1 blkio: the first scheduler group with statistics wins, in runc order', async (t) => {
  const only = (blkio: Files) => data(v1Host(t, { blkio }).src).blkio;
  t.same(
    Object.keys(only({ ...V1_FULL.blkio, 'blkio.bfq.sectors_recursive': '8:0 6792\n' })),
    ['sectorsRecursive'],
    'bfq debug files: sectors first, and a missing second file stops there (runc)',
  );
  t.same(
    only({ 'blkio.bfq.io_serviced_recursive': 'Total 0\n', 'blkio.throttle.io_serviced_recursive': '8:0 Read 9\n' }),
    { ioServicedRecursive: [{ major: 8, op: 'Read', value: 9 }] },
    'a group whose first file has nothing is skipped (the throttle one is read)',
  );
  t.same(
    only({ 'blkio.throttle.io_serviced': '253:1 Write 7\n', 'blkio.throttle.io_service_bytes': '253:1 Write 4096\n' }),
    {
      ioServiceBytesRecursive: [{ major: 253, minor: 1, op: 'Write', value: 4096 }],
      ioServicedRecursive: [{ major: 253, minor: 1, op: 'Write', value: 7 }],
    },
    'the non-recursive throttle files last',
  );
  t.throws(
    () => only({ 'blkio.throttle.io_serviced': '8:0\n' }),
    /unable to parse .*blkio\.throttle\.io_serviced: malformed line "8:0"/,
  );
});

t.test('v1: what runc refuses fails with the file named', async (t) => {
  const bad = (edit: (f: Record<string, Files>) => void, pattern: RegExp, what: string) => {
    const files = structuredClone(V1_FULL);
    edit(files);
    t.throws(() => readCgroupStats(v1Host(t, files).src), pattern, what);
  };
  bad(
    (f) => (f.memory!['memory.stat'] += 'oops\n'),
    /memory\.stat: line "oops" is not in "key value" format/,
    'stat line',
  );
  bad((f) => delete f.pids!['pids.current'], /open .*\/pids\/c\/pids\.current: no such file or directory/, 'pids');
  bad((f) => (f.cpuset!['cpuset.cpus'] = '\n'), /cpuset\.cpus: empty file/, 'an empty cpu list');
  bad((f) => (f['cpu,cpuacct']!['cpuacct.stat'] = 'user 1\n'), /cpuacct\.stat: malformed line/, 'cpuacct.stat');
  bad((f) => (f.memory!['memory.failcnt'] = 'x\n'), /strconv\.ParseUint: parsing "x": invalid syntax/, 'a value');
  bad((f) => delete f.memory!['memory.limit_in_bytes'], /memory\.limit_in_bytes: no such file/, 'memory limit');
  const files = structuredClone(V1_FULL);
  files.memory!['memory.memsw.failcnt'] = '-3\n';
  t.equal(data(v1Host(t, files).src).memory.swap.failcnt, 0, 'a negative counter (kernel bug) reads as 0');
});

const V2_FULL: Files = {
  'cgroup.procs': '4242\n4250\n',
  'cgroup.events': 'populated 1\nfrozen 0\n',
  'pids.current': '2\n',
  'pids.max': '20\n',
  'memory.stat':
    'anon 3239936\nfile 8192\nkernel 565248\nkernel_stack 32768\nsock 0\nshmem 0\nfile_mapped 0\npgfault 1290\noom_kill 0\n',
  'memory.current': '3813376\n',
  'memory.max': '16777216\n',
  'memory.peak': '16769024\n',
  'memory.swap.current': '0\n',
  'memory.swap.max': '0\n',
  'memory.events': 'low 0\nhigh 0\nmax 51\noom 1\noom_kill 1\noom_group_kill 0\n',
  'memory.pressure': 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
  'io.stat': '8:0 rbytes=1282048 wbytes=4096 rios=124 wios=1 dbytes=0 dios=0\n',
  'io.pressure': 'some avg10=1.50 avg60=0.25 avg300=0.05 total=12345\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
  'cpu.stat':
    'usage_usec 171234\nuser_usec 120000\nsystem_usec 51234\nnr_periods 20\nnr_throttled 3\nthrottled_usec 48000\nnr_bursts 0\nburst_usec 0\n',
  'hugetlb.2MB.current': '2097152\n',
  'hugetlb.2MB.events': 'max 2\n',
};

t.test('v2: a full tree renders as runc prints it, byte for byte', async (t) => {
  const { src } = v2Host(t, V2_FULL, ['2MB']);
  t.equal(
    statsEventLine('c2', readCgroupStats(src)),
    '{"type":"stats","id":"c2","data":{' +
      '"cpu":{"usage":{"total":171234000,"kernel":51234000,"user":120000000},' +
      '"throttling":{"periods":20,"throttledPeriods":3,"throttledTime":48000000}},' +
      '"cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,"memory_spread_page":0,' +
      '"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,"sched_relax_domain_level":0},' +
      '"memory":{"cache":8192,"usage":{"limit":16777216,"usage":3813376,"max":16769024,"failcnt":0},' +
      '"swap":{"limit":16777216,"usage":3813376,"failcnt":0},' +
      '"raw":{"anon":3239936,"file":8192,"file_mapped":0,"kernel":565248,"kernel_stack":32768,"oom_kill":0,' +
      '"pgfault":1290,"shmem":0,"sock":0},"psi":{}},' +
      '"pids":{"current":2,"limit":20},' +
      '"blkio":{"ioServiceBytesRecursive":[{"major":8,"op":"Read","value":1282048},{"major":8,"op":"Write","value":4096}],' +
      '"ioServicedRecursive":[{"major":8,"op":"Read","value":124},{"major":8,"op":"Write","value":1}],' +
      '"psi":{"some":{"avg10":1.5,"avg60":0.25,"avg300":0.05,"total":12345}}},' +
      '"hugetlb":{"2MB":{"usage":2097152,"failcnt":2}},' +
      '"intel_rdt":{},"network_interfaces":null}}\n',
  );
});

t.test('v2: fallbacks and limits as runc computes them', async (t) => {
  const noPids = { ...V2_FULL };
  delete noPids['pids.current'];
  t.same(data(v2Host(t, noPids).src).pids, { current: 2 }, 'no pids controller: cgroup.procs lines, no limit');
  const unlimited = { ...V2_FULL, 'memory.max': 'max\n', 'memory.swap.max': 'max\n' };
  t.match(
    statsEventLine('c', readCgroupStats(v2Host(t, unlimited).src)),
    /"usage":\{"limit":18446744073709551615,.*"swap":\{"limit":18446744073709551615,/,
    '"max" is 2^64 - 1, printed exactly; swap "max" stays that',
  );
  const wrap = { ...V2_FULL, 'memory.max': 'max\n', 'memory.swap.max': '1048576\n' };
  t.match(
    statsEventLine('c', readCgroupStats(v2Host(t, wrap).src)),
    /"swap":\{"limit":1048575,/,
    'unlimited memory plus finite swap wraps in uint64, as in runc',
  );
  const noMemory = { ...V2_FULL };
  delete noMemory['memory.stat'];
  t.same(Object.keys(data(v2Host(t, noMemory).src).memory), ['psi'], 'no memory.stat: the memory part is left out');
  const noRsvd = { ...V2_FULL, 'hugetlb.2MB.rsvd.current': '4194304\n' };
  t.same(data(v2Host(t, noRsvd, ['2MB']).src).hugetlb, { '2MB': { usage: 4194304, failcnt: 2 } }, 'rsvd first');
  const noCpuStat = { ...V2_FULL };
  delete noCpuStat['cpu.stat'];
  t.same(data(v2Host(t, noCpuStat).src).cpu, {});
});

t.test('v2: failures are gathered into one error, as runc reports them', async (t) => {
  const bad = { ...V2_FULL, 'cpu.stat': 'usage_usec\n', 'io.pressure': 'some avg10=x\n' };
  t.throws(
    () => readCgroupStats(v2Host(t, bad).src),
    /^error while statting cgroup v2: \[unable to parse .*io\.pressure: invalid avg10 PSI value: .* unable to parse .*cpu\.stat: line "usage_usec" is not in "key value" format\]$/,
  );
  const noProcs = { ...V2_FULL };
  delete noProcs['pids.current'];
  delete noProcs['cgroup.procs'];
  t.throws(() => readCgroupStats(v2Host(t, noProcs).src), /cgroup\.procs: no such file or directory/);
});

t.test('oom line, escaping, huge page names, cpu lists', async (t) => {
  t.equal(oomEventLine('web-1'), '{"type":"oom","id":"web-1"}\n');
  t.equal(oomEventLine('a<b>&c'), '{"type":"oom","id":"a\\u003cb\\u003e\\u0026c"}\n', 'Go escapes <, > and &');
  t.same(hugePageSizes(['hugepages-2048kB', 'hugepages-1048576kB', 'hugepages-64kB', 'other']), ['2MB', '1GB', '64KB']);
  t.same(parseCpuList('0-3,8,10-11'), [0, 1, 2, 3, 8, 10, 11]);
  t.throws(() => parseCpuList('3-1'), /from > to/);
  t.throws(() => parseCpuList('a'), /invalid syntax/);
});

t.test('the OOM-kill counter and the populated check (v1 and v2)', async (t) => {
  t.equal(parseOomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n'), 3n);
  t.equal(parseOomKills('oom_kill_disable 0\nunder_oom 0\n'), 0n, 'an old kernel without the counter');
  t.equal(parseOomKills('low 0\nhigh 0\nmax 5\noom 2\noom_kill 2\noom_group_kill 0\n'), 2n, 'not oom_group_kill');
  const v1 = v1Host(t, { memory: V1_FULL.memory! });
  const m1 = memoryCgroupOf(v1.src.hierarchies, v1.src.record)!;
  t.same(m1, { version: 1, dir: v1.dir('memory') });
  t.equal(oomKills(hostCgroupFs, m1), 0n);
  t.ok(cgroupPopulated(hostCgroupFs, m1));
  fs.writeFileSync(path.join(m1.dir, 'cgroup.procs'), '');
  t.notOk(cgroupPopulated(hostCgroupFs, m1), 'v1: no pid left');
  const v2 = v2Host(t, V2_FULL);
  const m2 = memoryCgroupOf(v2.src.hierarchies, v2.src.record)!;
  t.equal(oomKills(hostCgroupFs, m2), 1n);
  t.ok(cgroupPopulated(hostCgroupFs, m2));
  fs.writeFileSync(path.join(m2.dir, 'cgroup.events'), 'populated 0\nfrozen 0\n');
  t.notOk(cgroupPopulated(hostCgroupFs, m2), 'v2: populated 0');
  fs.rmSync(m2.dir, { recursive: true });
  t.equal(oomKills(hostCgroupFs, m2), undefined, 'gone');
  t.notOk(cgroupPopulated(hostCgroupFs, m2), 'gone is not populated');
  t.equal(memoryCgroupOf(v1Host(t, { pids: {} }).src.hierarchies, { paths: {}, created: [] }), undefined);
});

t.test(
  'v2 OOM watch: an oom_kill count above the one at the start is an OOM, seen by inotify or check()',
  async (t) => {
    const { src, dir } = v2Host(t, { ...V2_FULL, 'memory.events': 'oom 1\noom_kill 1\n' });
    const m = memoryCgroupOf(src.hierarchies, src.record)!;
    let ooms = 0;
    const watch = watchOom(hostCgroupFs, m, { oom: () => ooms++, gone: () => t.fail('gone'), failed: t.error });
    t.teardown(() => watch.close());
    watch.check();
    t.equal(ooms, 0, 'a kill before the watch began is not reported');
    fs.writeFileSync(path.join(dir, 'memory.events'), 'oom 2\noom_kill 2\n');
    const deadline = Date.now() + 5000;
    while (ooms === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    t.equal(ooms, 1, 'inotify saw the change');
    watch.check();
    t.equal(ooms, 1, 'the same count again is no new OOM');
    fs.writeFileSync(path.join(dir, 'memory.events'), 'oom 3\noom_kill 3\n');
    watch.check();
    t.ok(ooms >= 2, 'check() reads the counter itself');
    watch.close();
    const after = ooms;
    fs.writeFileSync(path.join(dir, 'memory.events'), 'oom 4\noom_kill 4\n');
    watch.check();
    await new Promise((r) => setTimeout(r, 50));
    t.equal(ooms, after, 'nothing after close()');
    t.throws(
      () => watchOom(hostCgroupFs, { version: 2, dir: path.join(dir, 'gone') }, { oom() {}, gone() {}, failed() {} }),
      /^unable to add inotify watch: no such file or directory$/,
    );
  },
);

t.test('--interval: Go duration syntax and words', async (t) => {
  const cases: [string, number][] = [
    ['5s', 5e9],
    ['100ms', 1e8],
    ['1m', 60e9],
    ['1h30m', 5400e9],
    ['1.5s', 1.5e9],
    ['.5s', 5e8],
    ['250us', 250e3],
    ['250µs', 250e3],
    ['10ns', 10],
    ['0', 0],
    ['-2s', -2e9],
  ];
  for (const [text, ns] of cases) t.equal(parseGoDuration(text), ns, text);
  t.throws(() => parseGoDuration(''), /^time: invalid duration ""$/);
  t.throws(() => parseGoDuration('abc'), /^time: invalid duration "abc"$/);
  t.throws(() => parseGoDuration('.s'), /^time: invalid duration "\.s"$/);
  t.throws(() => parseGoDuration('5'), /^time: missing unit in duration "5"$/);
  t.throws(() => parseGoDuration('5x'), /^time: unknown unit "x" in duration "5x"$/);
});

t.test('v1 OOM counts: an OOM taken with the removal, after the cgroup went, is still an OOM', async (t) => {
  t.same(v1Wake(1n, true), { oom: true, gone: false }, 'the cgroup is there: an OOM');
  t.same(v1Wake(3n, true), { oom: true, gone: false }, 'several OOMs since the last look: one line');
  t.same(v1Wake(1n, false), { oom: false, gone: true }, 'gone, one count: the removal');
  t.same(v1Wake(2n, false), { oom: true, gone: true }, 'an OOM and the removal in one take');
});

t.test('takeEventfdCount: what was counted since the last take, 0 when nothing (never blocks)', async (t) => {
  const fd = eventfd();
  t.teardown(() => fs.closeSync(fd));
  t.equal(takeEventfdCount(fd), 0n, 'nothing counted: 0, at once');
  signalEventfd(fd);
  signalEventfd(fd);
  t.equal(takeEventfdCount(fd), 2n);
  t.equal(takeEventfdCount(fd), 0n, 'taken: reset');
});

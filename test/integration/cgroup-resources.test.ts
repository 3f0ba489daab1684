// linux.resources on this host's cgroups: the values land in the container's cgroup files
// (read from the host while it is created, and from inside through its /sys/fs/cgroup), a
// memory hog is OOM-killed under its limit, the real engines' resources are accepted, and
// what the host lacks fails create with one line. Runs through v1 here (hybrid host);
// on a pure v2 host the v2 files are read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { cgroupVersion, readHostHierarchies } from '../../src/cgroups/hierarchies';
import type { Resources, Spec } from '../../src/config/types';
import { harness } from '../helpers/harness';

const h = harness(t);
const hierarchies = readHostHierarchies();
const version = cgroupVersion(hierarchies);
const REAL_CONFIGS = path.resolve(__dirname, '../../../shared/configs');

/** The host directory of `controller` for a harness container. */
const hostFile = (controller: string, id: string, file: string) => h.cgroupFile(controller, id, file);

const resources: Resources = {
  memory: { limit: 64 << 20, reservation: 32 << 20, swappiness: 10 },
  cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0' },
  pids: { limit: 50 },
};

/** [controller, v1 file, v1 value, v2 file, v2 value] */
const EXPECTED: [string, string, string, string, string | undefined][] = [
  ['memory', 'memory.limit_in_bytes', String(64 << 20), 'memory.max', String(64 << 20)],
  ['memory', 'memory.soft_limit_in_bytes', String(32 << 20), 'memory.low', String(32 << 20)],
  ['memory', 'memory.swappiness', '10', 'memory.max', String(64 << 20)],
  ['cpu', 'cpu.shares', '512', 'cpu.weight', '20'],
  ['cpu', 'cpu.cfs_quota_us', '50000', 'cpu.max', '50000 100000'],
  ['cpu', 'cpu.cfs_period_us', '100000', 'cpu.max', '50000 100000'],
  ['cpuset', 'cpuset.cpus', '0', 'cpuset.cpus', '0'],
  ['pids', 'pids.max', '50', 'pids.max', '50'],
];

function withResources(r: Resources) {
  return (s: Spec) => {
    s.linux!.resources = { ...s.linux!.resources, ...r };
  };
}

t.test('memory, cpu, cpuset and pids values are in the host cgroup files of a created container', async (t) => {
  const id = h.id('res');
  const bundle = h.bundle(id, withResources(resources));
  const c = h.cli(['create', '--bundle', bundle, id]);
  t.equal(c.code, 0, c.stderr);
  t.teardown(() => void h.cli(['delete', '--force', id]));
  for (const [controller, f1, v1, f2, v2] of EXPECTED) {
    const [file, value] = version === 1 ? [f1, v1] : [f2, v2];
    t.equal(hostFile(controller, id, file), value, `${controller}: ${file}`);
  }
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

t.test('the same values seen from inside through /sys/fs/cgroup', { skip: version !== 1 && 'v1 paths' }, async (t) => {
  const files = EXPECTED.map(([c, f]) => `/sys/fs/cgroup/${c}/${f}`);
  const { result } = h.probe((s) => {
    withResources(resources)(s);
    s.process!.args = ['/bin/sh', '-c', `for f in ${files.join(' ')}; do echo "$f=$(cat $f)"; done`];
  });
  t.equal(result.code, 0, result.stderr);
  for (const [controller, file, value] of EXPECTED)
    t.match(result.stdout, `/sys/fs/cgroup/${controller}/${file}=${value}\n`, `${file} inside`);
});

t.test('a memory hog under a 16 MiB limit is OOM-killed; a small one is not', async (t) => {
  const limited = (bs: string) => (s: Spec) => {
    withResources({ memory: { limit: 16 << 20, swap: 16 << 20 } })(s);
    s.process!.args = ['/bin/sh', '-c', `dd if=/dev/zero of=/dev/null bs=${bs} count=1 2>/dev/null && echo survived`];
  };
  const hog = h.probe(limited('64M')).result;
  t.equal(hog.code, 137, `the hog is killed by SIGKILL (sh exits 128+9): ${hog.stderr}`);
  t.notMatch(hog.stdout, /survived/);
  const small = h.probe(limited('1M')).result;
  t.equal(small.code, 0, small.stderr);
  t.match(small.stdout, /survived/);
});

t.test(
  "the engines' resources (containerd, docker, podman) are accepted by create",
  { skip: fs.existsSync(REAL_CONFIGS) ? false : `${REAL_CONFIGS} is absent` },
  async (t) => {
    const names = fs
      .readdirSync(REAL_CONFIGS)
      .filter((n) => /^(ctr|docker|podman)-.*\.json$/.test(n) && !n.endsWith('-process.json'));
    let withResourcesCount = 0;
    const seen = new Set<string>();
    for (const name of names) {
      const spec = JSON.parse(fs.readFileSync(path.join(REAL_CONFIGS, name), 'utf8')) as Spec;
      const { devices: _devices, ...asked } = spec.linux?.resources ?? {};
      if (Object.keys(asked).length === 0) continue;
      withResourcesCount++;
      // Many podman configs share {"pids":{"limit":2048}}: each distinct one once.
      if (seen.has(JSON.stringify(asked))) continue;
      seen.add(JSON.stringify(asked));
      const id = h.id('eng');
      const c = h.cli(['create', '--bundle', h.bundle(id, withResources(asked)), id]);
      t.equal(c.code, 0, `${name}: ${JSON.stringify(asked)}: ${c.stderr}`);
      if (asked.memory?.limit && version === 1)
        t.equal(hostFile('memory', id, 'memory.limit_in_bytes'), String(asked.memory.limit), `${name}: memory limit`);
      if (asked.memory?.swap && version === 1)
        t.equal(hostFile('memory', id, 'memory.memsw.limit_in_bytes'), String(asked.memory.swap), `${name}: swap`);
      if (asked.cpu?.shares && version === 1)
        t.equal(hostFile('cpu', id, 'cpu.shares'), String(asked.cpu.shares), `${name}: shares`);
      if (c.code === 0) t.equal(h.cli(['delete', '--force', id]).code, 0, `${name}: deleted`);
    }
    t.ok(withResourcesCount >= 10, `${withResourcesCount} engine configs with resources`);
  },
);

t.test('what this host lacks or refuses fails create with one line naming the entry, leaving nothing', async (t) => {
  const cases: [Resources, RegExp][] =
    version === 1
      ? [
          [
            { network: { classID: 0x100001 } },
            /^.*config\.json: linux\.resources\.network\.classID: the net_cls controller is not mounted on this host$/m,
          ],
          [{ unified: { 'memory.high': '1G' } }, /config\.json: linux\.resources\.unified: needs cgroup v2/],
          [{ memory: { swappiness: 101 } }, /config\.json: linux\.resources\.memory\.swappiness: invalid value 101/],
          [
            { cpu: { shares: 1000000 } },
            /config\.json: linux\.resources\.cpu\.shares: the maximum allowed cpu-shares is 262144/,
          ],
        ]
      : [[{ network: { classID: 1 } }, /config\.json: linux\.resources\.network\.classID: cgroup v2 has no net_cls/]];
  if (version === 1 && !hierarchies.some((x) => x.version === 1 && x.controllers.includes('hugetlb')))
    cases.push([
      { hugepageLimits: [{ pageSize: '2MB', limit: 2 << 20 }] },
      /config\.json: linux\.resources\.hugepageLimits\[0\]\.limit: the hugetlb controller is not mounted on this host/,
    ]);
  for (const [r, message] of cases) {
    const id = h.id('bad');
    const c = h.cli(['create', '--bundle', h.bundle(id, withResources(r)), id]);
    t.equal(c.code, 1, JSON.stringify(r));
    t.match(c.stderr, message);
    t.equal(c.stderr.trim().split('\n').length, 1, `one line: ${c.stderr}`);
    t.notOk(h.stateDirExists(id), 'no state left');
    t.same(h.cgroupsLeft(id), [], 'no cgroup left');
  }
});

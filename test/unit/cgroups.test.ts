// cgroup logic against text fixtures captured from this host and a fake tree (no kernel).
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { deviceWrites } from '../../src/cgroups/devices-v1';
import { cgroupMode, parseHierarchies, type Hierarchy } from '../../src/cgroups/hierarchies';
import { cgroupPids, createCgroups, joinCgroups, removeCgroups } from '../../src/cgroups/manager';
import { cgroupPathIn, systemdPath } from '../../src/cgroups/paths';
import { cgroupFeatures } from '../../src/cli/features';
import { fakeCgroupTree } from '../fakes/cgroup-fs';

const hybridMountinfo = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;
const hybridCgroup = `9:name=systemd:/
4:memory:/process_api/abc
3:cpuset:/
1:cpu:/
0::/`;
const v2Mountinfo = `25 1 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`;

t.test('hierarchies: a hybrid host has v1 controllers and a cgroup2 tree', async (t) => {
  const hierarchies = parseHierarchies(hybridMountinfo, hybridCgroup);
  t.same(
    hierarchies.map((h) => [h.key, h.name, h.version]),
    [
      ['cpu', 'cpu', 1],
      ['cpuset', 'cpuset', 1],
      ['memory', 'memory', 1],
      ['name=systemd', 'systemd', 1],
      ['', 'unified', 2],
    ],
  );
  t.equal(hierarchies.find((h) => h.key === 'memory')?.ownPath, '/process_api/abc');
  t.same(hierarchies.find((h) => h.key === 'name=systemd')?.controllers, []);
  t.equal(cgroupMode(hierarchies), 'hybrid');
  t.equal(cgroupMode(parseHierarchies(v2Mountinfo, '0::/user.slice\n')), 'unified');
});

t.test('paths: absolute, relative to our own cgroup, default is the id, systemd form', async (t) => {
  const memory: Hierarchy = {
    key: 'memory',
    name: 'memory',
    mountPoint: '/sys/fs/cgroup/memory',
    version: 1,
    controllers: ['memory'],
    ownPath: '/process_api/abc',
  };
  t.equal(cgroupPathIn(memory, '/tsrun-test-x/c1', 'c1', false), '/tsrun-test-x/c1');
  t.equal(cgroupPathIn(memory, 'sub/c1', 'c1', false), '/process_api/abc/sub/c1');
  t.equal(cgroupPathIn(memory, undefined, 'c1', false), '/process_api/abc/c1');
  t.equal(systemdPath('system.slice:docker:abc', 'abc'), '/system.slice/docker-abc.scope');
  t.equal(
    systemdPath('machine-a-b.slice:libpod:xyz', 'xyz'),
    '/machine.slice/machine-a.slice/machine-a-b.slice/libpod-xyz.scope',
  );
  t.throws(
    () => cgroupPathIn(memory, '../../..', 'c1', false),
    { code: 'ERR_TSRUN_CONFIG' },
    'the hierarchy root itself is refused',
  );
  t.throws(() => systemdPath('nonsense', 'c1'), { code: 'ERR_TSRUN_CONFIG' });
});

t.test('manager: creates nested dirs, seeds cpuset, joins, removes exactly what it made', async (t) => {
  const { root, cgfs, writes, hierarchies } = fakeCgroupTree([
    { name: 'cpuset', files: { 'cgroup.procs': '', 'cpuset.cpus': '0-1', 'cpuset.mems': '0' } },
    { name: 'memory', files: { 'cgroup.procs': '' } },
  ]);
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, 'memory', 'tsrun-test-shared'));
  const record = createCgroups(cgfs, hierarchies, () => '/tsrun-test-shared/c1');
  t.equal(record.paths.cpuset, path.join(root, 'cpuset/tsrun-test-shared/c1'));
  t.equal(
    fs.readFileSync(path.join(root, 'cpuset/tsrun-test-shared/c1/cpuset.cpus'), 'utf8'),
    '0-1',
    'cpuset.cpus copied from the parent',
  );
  t.equal(
    fs.readFileSync(path.join(root, 'cpuset/tsrun-test-shared/cpuset.mems'), 'utf8'),
    '0',
    'every created level is seeded',
  );
  t.notOk(
    record.created.includes(path.join(root, 'memory/tsrun-test-shared')),
    'an existing parent is not ours to remove',
  );
  joinCgroups(cgfs, record, 4242);
  t.same(
    writes.filter((w) => w.file.endsWith('cgroup.procs')).map((w) => w.value),
    ['4242', '4242'],
  );
  t.same(cgroupPids(cgfs, record), [4242]);
  fs.writeFileSync(path.join(record.paths.memory!, 'cgroup.procs'), '');
  fs.writeFileSync(path.join(record.paths.cpuset!, 'cgroup.procs'), '');
  t.same(removeCgroups(cgfs, record), []);
  t.notOk(fs.existsSync(path.join(root, 'cpuset/tsrun-test-shared')), 'the parent it made is gone');
  t.ok(fs.existsSync(path.join(root, 'memory/tsrun-test-shared')), 'the parent it found stays');
});

t.test('manager: a failed mkdir rolls back what was made', async (t) => {
  const { root, cgfs, hierarchies } = fakeCgroupTree([
    { name: 'a', files: {} },
    { name: 'b', files: {} },
  ]);
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const failing = {
    ...cgfs,
    mkdir: (p: string) =>
      p.includes(`${root}/b`)
        ? (() => {
            throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
          })()
        : cgfs.mkdir(p),
  };
  t.throws(() => createCgroups(failing, hierarchies, () => '/x/y'), { code: 'ERR_TSRUN_SYSCALL' });
  t.same(fs.readdirSync(path.join(root, 'a')), [], 'nothing left in the first hierarchy');
});

t.test('devices v1: deny-all first, then the defaults and configured devices', async (t) => {
  const writes = deviceWrites([{ allow: false, access: 'rwm' }], [{ type: 'c', major: 10, minor: 229 }]);
  t.same(writes[0], { file: 'devices.deny', value: 'a' });
  t.ok(writes.some((w) => w.file === 'devices.allow' && w.value === 'c 1:3 rwm'));
  t.ok(writes.some((w) => w.file === 'devices.allow' && w.value === 'c 136:* rwm'));
  t.same(writes.at(-1), { file: 'devices.allow', value: 'c 10:229 rwm' });
});

t.test('manager: a parent made by someone else without cpus/mems is seeded too (v1 cpuset)', async (t) => {
  const { root, cgfs, hierarchies } = fakeCgroupTree([
    { name: 'cpuset', files: { 'cgroup.procs': '', 'cpuset.cpus': '0-1', 'cpuset.mems': '0' } },
  ]);
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const parent = path.join(root, 'cpuset', 'theirs');
  fs.mkdirSync(parent);
  fs.writeFileSync(path.join(parent, 'cpuset.cpus'), '');
  fs.writeFileSync(path.join(parent, 'cpuset.mems'), '');
  const record = createCgroups(cgfs, hierarchies, () => '/theirs/c1');
  t.equal(fs.readFileSync(path.join(parent, 'cpuset.cpus'), 'utf8'), '0-1');
  t.equal(fs.readFileSync(path.join(record.paths.cpuset!, 'cpuset.mems'), 'utf8'), '0');
  t.same(record.created, [path.join(parent, 'c1')], 'only the leaf is ours');
});

t.test('features: the cgroup drivers that apply on a v1, hybrid and v2 host', async (t) => {
  const hybrid = parseHierarchies(hybridMountinfo, hybridCgroup);
  t.same(cgroupFeatures(hybrid, ''), { v1: true, v2: false, systemd: false, systemdUser: false, rdma: false });
  const v2 = parseHierarchies(v2Mountinfo, '0::/user.slice\n');
  t.same(cgroupFeatures(v2, 'cpuset cpu io memory hugetlb pids rdma misc'), {
    v1: false,
    v2: true,
    systemd: false,
    systemdUser: false,
    rdma: true,
  });
  t.equal(cgroupFeatures(v2, 'cpu memory pids').rdma, false, 'no rdma controller: false');
  const withRdma = parseHierarchies(
    `${hybridMountinfo}\n42 31 0:39 / /sys/fs/cgroup/rdma rw,relatime - cgroup cgroup rw,rdma`,
    hybridCgroup,
  );
  t.equal(cgroupFeatures(withRdma, '').rdma, true, 'a v1 rdma hierarchy');
});

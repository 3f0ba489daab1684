// applyResources end to end on a fake tree per driver: a docker/containerd-like
// linux.resources lands in the right hierarchy's files; what the host lacks fails with one
// line naming the config entry; what runc tolerates is skipped with a debug note.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { createCgroups } from '../../src/cgroups/manager';
import { applyResources } from '../../src/cgroups/resources';
import type { Resources } from '../../src/config/types';
import { fakeCgroup2Tree, fakeCgroupTree } from '../fakes/cgroup-fs';

const read = (p: string) => fs.readFileSync(p, 'utf8');

/** What docker (--memory, --memory-swap, --memory-reservation, --cpus, --cpu-shares,
 * --cpuset-cpus, --pids-limit, --blkio-weight 0) and containerd write. */
const engineResources: Resources = {
  memory: { limit: 67108864, reservation: 33554432, swap: 134217728, swappiness: 30, disableOOMKiller: false },
  cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
  pids: { limit: 50 },
  blockIO: { weight: 0, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }] },
};

const V1_FILES = {
  memory: [
    'memory.limit_in_bytes',
    'memory.memsw.limit_in_bytes',
    'memory.soft_limit_in_bytes',
    'memory.swappiness',
    'memory.oom_control',
  ],
  cpu: ['cpu.shares', 'cpu.cfs_quota_us', 'cpu.cfs_period_us'],
  cpuset: ['cpuset.cpus', 'cpuset.mems'],
  pids: ['pids.max'],
  blkio: ['blkio.throttle.read_bps_device'],
};

function v1Tree(t: { teardown(fn: () => void): void }, without: string[] = []) {
  const fake = fakeCgroupTree(
    Object.entries(V1_FILES)
      .filter(([name]) => !without.includes(name))
      .map(([name, files]) => ({
        name,
        files: Object.fromEntries([
          ['cgroup.procs', ''],
          ...files.map((f) => [f, f.startsWith('cpuset.') ? '0-1' : '']),
        ]),
      })),
  );
  t.teardown(() => fs.rmSync(fake.root, { recursive: true, force: true }));
  return fake;
}

t.test('v1: every value in its hierarchy, the limit before memory+swap when lowering', async (t) => {
  const { cgfs, writes, hierarchies } = v1Tree(t);
  const record = createCgroups(cgfs, hierarchies, () => '/tsrun-test-res/c1');
  writes.length = 0;
  const notes: string[] = [];
  applyResources(cgfs, hierarchies, record, engineResources, (m) => notes.push(m));
  const at = (h: string, f: string) => read(path.join(record.paths[h]!, f));
  t.equal(at('memory', 'memory.limit_in_bytes'), '67108864');
  t.equal(at('memory', 'memory.memsw.limit_in_bytes'), '134217728');
  t.equal(at('memory', 'memory.soft_limit_in_bytes'), '33554432');
  t.equal(at('memory', 'memory.swappiness'), '30');
  t.equal(at('memory', 'memory.oom_control'), '', 'disableOOMKiller false writes nothing');
  t.equal(at('cpu', 'cpu.shares'), '512');
  t.equal(at('cpu', 'cpu.cfs_period_us'), '100000');
  t.equal(at('cpu', 'cpu.cfs_quota_us'), '50000');
  t.equal(at('cpuset', 'cpuset.cpus'), '0');
  t.equal(at('cpuset', 'cpuset.mems'), '0');
  t.equal(at('pids', 'pids.max'), '50');
  t.equal(at('blkio', 'blkio.throttle.read_bps_device'), '8:0 1048576');
  const order = writes.map((w) => path.basename(w.file));
  t.ok(
    order.indexOf('memory.limit_in_bytes') < order.indexOf('memory.memsw.limit_in_bytes'),
    'the fresh cgroup is unlimited: lowering, the limit goes before memory+swap',
  );
  t.notOk(
    writes.some((w) => w.file.includes('weight')),
    'blockIO.weight 0 is not set',
  );
  t.same(notes, []);
});

t.test('v1: a missing controller or file fails naming the config entry', async (t) => {
  const { cgfs, hierarchies } = v1Tree(t, ['blkio']);
  const record = createCgroups(cgfs, hierarchies, () => '/tsrun-test-res/c2');
  t.throws(() => applyResources(cgfs, hierarchies, record, { network: { classID: 1 } }), {
    code: 'ERR_TSRUN_CONFIG',
    message: 'config.json: linux.resources.network.classID: the net_cls controller is not mounted on this host',
  });
  t.throws(() => applyResources(cgfs, hierarchies, record, { hugepageLimits: [{ pageSize: '2MB', limit: 0 }] }), {
    message: 'config.json: linux.resources.hugepageLimits[0].limit: the hugetlb controller is not mounted on this host',
  });
  t.throws(() => applyResources(cgfs, hierarchies, record, { cpu: { realtimeRuntime: 1000 } }), {
    message:
      'config.json: linux.resources.cpu.realtimeRuntime: cpu.rt_runtime_us does not exist in the cpu cgroup on this host',
  });
  t.throws(() => applyResources(cgfs, hierarchies, record, { unified: { 'memory.high': '1G' } }), {
    message: 'config.json: linux.resources.unified: needs cgroup v2, and this host uses cgroup v1 controllers',
  });
  const notes: string[] = [];
  applyResources(cgfs, hierarchies, record, { cpu: { burst: 0 }, memory: { kernel: 1024 } }, (m) => notes.push(m));
  t.match(notes, [/memory\.kernel is deprecated/, /cpu\.burst: cpu\.cfs_burst_us not written/]);
});

t.test('v1: a kernel refusal names the entry, the value and the file', async (t) => {
  const { cgfs, hierarchies } = v1Tree(t);
  const record = createCgroups(cgfs, hierarchies, () => '/tsrun-test-res/c3');
  const refusing = {
    ...cgfs,
    write: (p: string, v: string) => {
      if (p.endsWith('memory.limit_in_bytes')) throw Object.assign(new Error('EBUSY'), { code: 'EBUSY' });
      cgfs.write(p, v);
    },
  };
  t.throws(() => applyResources(refusing, hierarchies, record, { memory: { limit: 4096 } }), {
    code: 'ERR_TSRUN_SYSCALL',
    message: new RegExp(
      `^linux\\.resources\\.memory\\.limit: write "4096" to ${record.paths.memory}/memory\\.limit_in_bytes: `,
    ),
  });
});

t.test('v1: shares the kernel clamps fail naming the bound, as runc', async (t) => {
  const { cgfs, hierarchies } = v1Tree(t);
  const record = createCgroups(cgfs, hierarchies, () => '/tsrun-test-res/c4');
  const clamping = {
    ...cgfs,
    write: (p: string, v: string) => cgfs.write(p, p.endsWith('cpu.shares') ? String(Math.min(Number(v), 262144)) : v),
  };
  t.throws(() => applyResources(clamping, hierarchies, record, { cpu: { shares: 500000 } }), {
    message: 'config.json: linux.resources.cpu.shares: the maximum allowed cpu-shares is 262144',
  });
  t.doesNotThrow(() => applyResources(clamping, hierarchies, record, { cpu: { shares: 1024 } }));
});

t.test('v2: every value in the one directory, converted', async (t) => {
  const fake = fakeCgroup2Tree();
  t.teardown(() => fs.rmSync(fake.root, { recursive: true, force: true }));
  const { cgfs, hierarchies } = fake;
  const record = createCgroups(cgfs, hierarchies, () => '/tsrun-test-res/c1');
  const leaf = record.paths['']!;
  // The fake shows only the files it knows: add the ones this config needs as a kernel would.
  for (const f of ['memory.low', 'memory.swap.max'])
    fs.writeFileSync(path.join(leaf, f), f === 'memory.low' ? '0' : 'max');
  applyResources(cgfs, hierarchies, record, {
    ...engineResources,
    memory: { ...engineResources.memory, swappiness: undefined },
  });
  t.equal(read(path.join(leaf, 'memory.max')), '67108864');
  t.equal(read(path.join(leaf, 'memory.swap.max')), '67108864', 'swap alone: memory+swap - memory');
  t.equal(read(path.join(leaf, 'memory.low')), '33554432');
  t.equal(read(path.join(leaf, 'cpu.weight')), '20', '512 shares');
  t.equal(read(path.join(leaf, 'cpu.max')), '50000 100000');
  t.equal(read(path.join(leaf, 'cpuset.cpus')), '0');
  t.equal(read(path.join(leaf, 'pids.max')), '50');
  t.equal(read(path.join(leaf, 'io.max')), '8:0 rbps=1048576');
  applyResources(cgfs, hierarchies, record, { unified: { 'memory.max': '1G' } });
  t.equal(read(path.join(leaf, 'memory.max')), '1G', 'unified written as given');
  t.throws(() => applyResources(cgfs, hierarchies, record, { hugepageLimits: [{ pageSize: '2MB', limit: 1 }] }), {
    message: `config.json: linux.resources.hugepageLimits[0].limit: the hugetlb controller is not enabled in ${leaf}`,
  });
  t.throws(() => applyResources(cgfs, hierarchies, record, { network: { classID: 7 } }), {
    message: 'config.json: linux.resources.network.classID: cgroup v2 has no net_cls controller',
  });
});

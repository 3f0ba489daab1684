// `update` on the cgroup side, without a kernel: what planUpdate writes and keeps (runc's
// merge), the write journal's undo, and the order of the memory writes against a fake v1
// memory cgroup that refuses what the kernel refuses (memory above memory+swap: EINVAL;
// memory+swap below memory: EINVAL; memory below the usage: EBUSY).
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import type { CgroupFs } from '../../src/cgroups/manager';
import { createCgroups } from '../../src/cgroups/manager';
import { checkMemoryUsage } from '../../src/cgroups/memory-usage-check';
import { applyResources, CgroupWriteError } from '../../src/cgroups/resources';
import { planUpdate, updatableResources } from '../../src/cgroups/update-merge';
import { journaled } from '../../src/cgroups/write-journal';
import type { Resources } from '../../src/config/types';
import { fakeCgroup2Tree, fakeCgroupTree } from '../fakes/cgroup-fs';

const MiB = 2 ** 20;

t.test('memory: limit and swap are written as a pair, the other from what the container has', async (t) => {
  const had: Resources = { memory: { limit: 100 * MiB, swap: 200 * MiB, reservation: 50 * MiB }, pids: { limit: 9 } };
  const p = planUpdate(had, { memory: { limit: 150 * MiB } });
  t.same(p.writes, { memory: { limit: 150 * MiB, swap: 200 * MiB } }, 'swap comes along, reservation does not');
  t.same(p.kept, { memory: { limit: 150 * MiB, swap: 200 * MiB, reservation: 50 * MiB }, pids: { limit: 9 } });
  t.same(planUpdate(had, { memory: { swap: 300 * MiB } }).writes, { memory: { limit: 100 * MiB, swap: 300 * MiB } });
  t.same(planUpdate(had, { memory: { reservation: MiB } }).writes, { memory: { reservation: MiB } });
  t.same(planUpdate({}, { memory: { limit: MiB } }).writes, { memory: { limit: MiB } }, 'no swap known: none');
  // runc: -1 with no swap given makes swap unlimited (0 here, -1 in the translator).
  const unlimited = planUpdate(had, { memory: { limit: -1 } });
  t.same(unlimited.writes, { memory: { limit: -1, swap: 0 } });
  t.same(unlimited.kept.memory, { limit: -1, swap: 0, reservation: 50 * MiB });
});

t.test('memory: kernel, swappiness and the other groups runc does not update are reported', async (t) => {
  const p = planUpdate(
    {},
    {
      memory: { kernel: MiB, swappiness: 10, disableOOMKiller: true },
      devices: [],
      hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
      network: { classID: 1 },
      rdma: {},
    },
  );
  t.same(p.writes, {});
  t.equal(p.kernelMemory, true);
  t.same(p.unused, ['memory.swappiness', 'memory.disableOOMKiller', 'devices', 'hugepageLimits', 'network', 'rdma']);
  t.equal(planUpdate({}, { memory: { limit: MiB } }).kernelMemory, false);
});

t.test('memory: checkBeforeUpdate is kept and goes with every later memory write', async (t) => {
  const p = planUpdate({}, { memory: { checkBeforeUpdate: true } });
  t.same(p.kept.memory, { checkBeforeUpdate: true });
  t.same(planUpdate(p.kept, { memory: { limit: MiB } }).writes, { memory: { limit: MiB, checkBeforeUpdate: true } });
});

t.test('cpu: quota and period go together; one given keeps the other', async (t) => {
  const had: Resources = { cpu: { quota: 50000, period: 100000, shares: 512, cpus: '0' } };
  t.same(planUpdate(had, { cpu: { quota: 20000 } }).writes, { cpu: { quota: 20000, period: 100000 } });
  t.same(planUpdate(had, { cpu: { period: 200000 } }).writes, { cpu: { quota: 50000, period: 200000 } });
  t.same(planUpdate(had, { cpu: { quota: 0, period: 0 } }).writes, {}, '0 is not set');
  const p = planUpdate(had, { cpu: { shares: 1024, cpus: '1', idle: 1 } });
  t.same(p.writes, { cpu: { shares: 1024, cpus: '1', idle: 1 } });
  t.same(p.kept.cpu, { quota: 50000, period: 100000, shares: 1024, cpus: '1', idle: 1 });
  t.same(planUpdate(had, { cpu: { cpus: '' } }).writes, {}, 'an empty cpuset is not given');
});

t.test('blockIO: devices are upserted in what is kept, only the given ones written', async (t) => {
  const had: Resources = {
    blockIO: {
      weight: 100,
      throttleReadBpsDevice: [
        { major: 8, minor: 0, rate: 1000 },
        { major: 8, minor: 16, rate: 2000 },
      ],
      weightDevice: [{ major: 8, minor: 0, weight: 200, leafWeight: 300 }],
    },
  };
  const given: Resources = {
    blockIO: {
      throttleReadBpsDevice: [
        { major: 8, minor: 16, rate: 5000 },
        { major: 8, minor: 32, rate: 7000 },
      ],
      weightDevice: [{ major: 8, minor: 0, weight: 400 }],
    },
  };
  const p = planUpdate(had, given);
  t.same(p.writes, given);
  t.same(p.kept.blockIO, {
    weight: 100,
    throttleReadBpsDevice: [
      { major: 8, minor: 0, rate: 1000 },
      { major: 8, minor: 16, rate: 5000 },
      { major: 8, minor: 32, rate: 7000 },
    ],
    weightDevice: [{ major: 8, minor: 0, weight: 400, leafWeight: 300 }],
  });
  t.same(had.blockIO?.throttleReadBpsDevice?.[1], { major: 8, minor: 16, rate: 2000 }, 'the input is not changed');
});

t.test('pids and unified are written; unified is not kept (runc)', async (t) => {
  const p = planUpdate({ pids: { limit: 9 } }, { pids: { limit: 20 }, unified: { 'pids.max': '30' } });
  t.same(p.writes, { pids: { limit: 20 }, unified: { 'pids.max': '30' } });
  t.same(p.kept, { pids: { limit: 20 } });
});

t.test('create keeps only what update can change', async (t) => {
  t.same(
    updatableResources({
      memory: { limit: MiB, swap: 2 * MiB, swappiness: 10, disableOOMKiller: true },
      cpu: { shares: 2 },
      devices: [{ allow: false, access: 'rwm' }],
      hugepageLimits: [],
      pids: { limit: 5 },
    }),
    { memory: { limit: MiB, swap: 2 * MiB }, cpu: { shares: 2 }, pids: { limit: 5 } },
  );
  t.same(updatableResources(undefined), {});
});

/** A fake cgfs over `files` (path -> content) that refuses the kernel's way. */
function fakeMemoryCgroup(files: Map<string, string>, dir: string, usage: number): CgroupFs {
  const num = (f: string) => Number(files.get(path.join(dir, f)));
  const refuse = (code: string) => Object.assign(new Error(code), { code });
  return {
    exists: (p) => files.has(p) || p === dir,
    mkdir: () => {},
    rmdir: () => {},
    read: (p) => {
      const v = files.get(p);
      if (v === undefined) throw refuse('ENOENT');
      return `${v}\n`;
    },
    write: (p, value) => {
      const n = Number(value) === -1 ? 2 ** 62 : Number(value);
      if (p.endsWith('/memory.limit_in_bytes')) {
        if (n > num('memory.memsw.limit_in_bytes')) throw refuse('EINVAL');
        if (n < usage) throw refuse('EBUSY');
      }
      if (p.endsWith('/memory.memsw.limit_in_bytes') && n < num('memory.limit_in_bytes')) throw refuse('EINVAL');
      files.set(p, String(n));
    },
  };
}

t.test('v1 order against a kernel that checks memory <= memory+swap', async (t) => {
  const fake = fakeCgroupTree([{ name: 'memory', files: {} }]);
  t.teardown(() => fs.rmSync(fake.root, { recursive: true, force: true }));
  const dir = path.join(fake.root, 'memory', 'c1');
  const record = { paths: { memory: dir }, created: [] };
  const limit = path.join(dir, 'memory.limit_in_bytes');
  const memsw = path.join(dir, 'memory.memsw.limit_in_bytes');
  const files = new Map([
    [limit, String(100 * MiB)],
    [memsw, String(200 * MiB)],
  ]);
  const cgfs = fakeMemoryCgroup(files, dir, 10 * MiB);
  let had: Resources = { memory: { limit: 100 * MiB, swap: 200 * MiB } };
  const update = (given: Resources) => {
    const plan = planUpdate(had, given);
    applyResources(cgfs, fake.hierarchies, record, plan.writes);
    had = plan.kept;
  };
  // Raising both above the current memory+swap: swap first.
  update({ memory: { limit: 300 * MiB, swap: 400 * MiB } });
  t.same([files.get(limit), files.get(memsw)], [String(300 * MiB), String(400 * MiB)], 'raised');
  // Lowering both below the current limit: the limit first.
  update({ memory: { limit: 50 * MiB, swap: 60 * MiB } });
  t.same([files.get(limit), files.get(memsw)], [String(50 * MiB), String(60 * MiB)], 'lowered');
  // Only the limit, up to the kept swap: the swap is written again, the order still right.
  update({ memory: { limit: 60 * MiB } });
  t.equal(files.get(limit), String(60 * MiB));
  // The fake refuses the wrong order, so the test above can fail: writing the limit first
  // above memory+swap is EINVAL.
  t.throws(() => cgfs.write(limit, String(70 * MiB)), { code: 'EINVAL' }, 'the fake checks the order');
  // A limit above the kept swap is the user's error, named with the file (runc's too).
  t.throws(() => update({ memory: { limit: 100 * MiB } }), {
    message: /^linux\.resources\.memory\.limit: write "104857600" to .*memory\.limit_in_bytes: /,
  });
  // -1: unlimited both, swap first.
  update({ memory: { limit: -1 } });
  t.same([files.get(limit), files.get(memsw)], [String(2 ** 62), String(2 ** 62)]);
});

t.test('a refused write is undone: the journal writes back what it replaced, in reverse', async (t) => {
  const dir = '/fake/memory/c1';
  const limit = path.join(dir, 'memory.limit_in_bytes');
  const memsw = path.join(dir, 'memory.memsw.limit_in_bytes');
  const files = new Map([
    [limit, String(100 * MiB)],
    [memsw, String(200 * MiB)],
  ]);
  const hierarchies = [
    {
      key: 'memory',
      name: 'memory',
      mountPoint: '/fake/memory',
      version: 1 as const,
      controllers: ['memory'],
      ownPath: '/',
    },
  ];
  const record = { paths: { memory: dir }, created: [] };
  const journal = journaled(fakeMemoryCgroup(files, dir, 80 * MiB));
  // swap first (raised to 400), then the limit (4 MiB < usage 80 MiB): EBUSY.
  const plan = planUpdate(
    { memory: { limit: 100 * MiB, swap: 200 * MiB } },
    { memory: { limit: 4 * MiB, swap: 400 * MiB } },
  );
  const err = t.throws(() => applyResources(journal.cgfs, hierarchies, record, plan.writes)) as CgroupWriteError;
  t.ok(err instanceof CgroupWriteError);
  t.equal(err.at, 'linux.resources.memory.limit');
  t.match(err.detail, /memory\.limit_in_bytes: /);
  t.equal(files.get(memsw), String(400 * MiB), 'swap was written before the refusal');
  t.same(journal.undo(), []);
  t.same([files.get(limit), files.get(memsw)], [String(100 * MiB), String(200 * MiB)], 'both as they were');
  t.same(journal.undo(), [], 'nothing left to undo');
});

t.test('the journal names what it cannot write back: lists, empty or unreadable files', async (t) => {
  const files = new Map([
    ['/f/one', '5\n'],
    ['/f/list', '8:0 100\n8:16 200\n'],
    ['/f/empty', ''],
    ['/f/device', '8:0 100\n'],
  ]);
  const target: CgroupFs = {
    exists: (p) => files.has(p),
    mkdir: () => {},
    rmdir: () => {},
    read: (p) => {
      const v = files.get(p);
      if (v === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return v;
    },
    write: (p, v) => void files.set(p, v),
  };
  const journal = journaled(target);
  journal.cgfs.write('/f/one', '6');
  journal.cgfs.write('/f/one', '7');
  journal.cgfs.write('/f/list', '8:0 1');
  journal.cgfs.write('/f/empty', '1');
  journal.cgfs.write('/f/absent', '1');
  journal.cgfs.write('/f/device', '8:32 5');
  t.same(journal.undo(), ['/f/device', '/f/absent', '/f/empty', '/f/list']);
  t.equal(files.get('/f/one'), '5', 'the first value comes back, not the one between');
});

t.test('v2: a new limit with the kept swap rewrites memory.swap.max as swap - limit', async (t) => {
  const fake = fakeCgroup2Tree({ controllers: ['memory'] });
  t.teardown(() => fs.rmSync(fake.root, { recursive: true, force: true }));
  const { cgfs, hierarchies } = fake;
  const record = createCgroups(cgfs, hierarchies, () => '/tsrun-test-upd/c1');
  const dir = record.paths['']!;
  fs.writeFileSync(path.join(dir, 'memory.swap.max'), 'max');
  const plan = planUpdate({ memory: { limit: 100 * MiB, swap: 300 * MiB } }, { memory: { limit: 200 * MiB } });
  applyResources(cgfs, hierarchies, record, plan.writes);
  t.equal(fs.readFileSync(path.join(dir, 'memory.max'), 'utf8'), String(200 * MiB));
  t.equal(fs.readFileSync(path.join(dir, 'memory.swap.max'), 'utf8'), String(100 * MiB));
});

t.test('v2 checkBeforeUpdate: a limit at or below memory.current is refused before any write', async (t) => {
  const fake = fakeCgroup2Tree({ controllers: ['memory'] });
  t.teardown(() => fs.rmSync(fake.root, { recursive: true, force: true }));
  const { cgfs, hierarchies } = fake;
  const record = createCgroups(cgfs, hierarchies, () => '/tsrun-test-upd/c1');
  fs.writeFileSync(path.join(record.paths['']!, 'memory.current'), String(10 * MiB));
  const check = (memory: Resources['memory']) => () => checkMemoryUsage(cgfs, hierarchies, record, memory);
  t.throws(check({ limit: 10 * MiB, checkBeforeUpdate: true }), {
    message: `rejecting memory limit ${10 * MiB} <= usage ${10 * MiB}`,
  });
  t.throws(check({ limit: 20 * MiB, swap: 5 * MiB, checkBeforeUpdate: true }), {
    message: `rejecting memory+swap limit ${5 * MiB} <= usage ${10 * MiB}`,
  });
  t.doesNotThrow(check({ limit: 11 * MiB, checkBeforeUpdate: true }), 'above the usage');
  t.doesNotThrow(check({ limit: 5 * MiB }), 'without the flag, as runc');
  t.doesNotThrow(check({ limit: -1, checkBeforeUpdate: true }), 'unlimited');
  const v1 = fakeCgroupTree([{ name: 'memory', files: { 'memory.current': String(10 * MiB) } }]);
  t.teardown(() => fs.rmSync(v1.root, { recursive: true, force: true }));
  t.doesNotThrow(
    () =>
      checkMemoryUsage(
        v1.cgfs,
        v1.hierarchies,
        { paths: { memory: path.join(v1.root, 'memory') }, created: [] },
        {
          limit: MiB,
          checkBeforeUpdate: true,
        },
      ),
    'v1 refuses by itself (EBUSY)',
  );
});

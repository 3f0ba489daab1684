// The freezer against fake cgroup trees (test/fakes/cgroup-fs.ts): v1's freezer.state with
// the kernel's FREEZING step simulated, v2's cgroup.freeze and cgroup.events; and ps's
// table filtering over ps output text. test/integration/pause.test.ts does it for real.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { freeze, freezerOf, isFrozen, thaw } from '../../src/cgroups/freezer';
import { type CgroupFs, createCgroups } from '../../src/cgroups/manager';
import { filterPsTable, pidsJson } from '../../src/container/ps';
import { fakeCgroup2Tree, fakeCgroupTree } from '../fakes/cgroup-fs';

const noWait = { sleep: () => {} };

/** A v1 freezer hierarchy whose kernel answers FREEZING to the first `freezingReads` reads
 * after FROZEN is written (a cgroup whose processes keep forking), then FROZEN. */
function v1Tree(t: { teardown(fn: () => void): void }, freezingReads: number) {
  const fake = fakeCgroupTree([{ name: 'freezer', files: { 'freezer.state': 'THAWED\n' } }]);
  t.teardown(() => fs.rmSync(fake.root, { recursive: true, force: true }));
  const record = createCgroups(fake.cgfs, fake.hierarchies, () => '/ctr');
  const file = path.join(record.paths.freezer as string, 'freezer.state');
  fs.writeFileSync(file, 'THAWED\n');
  let left = 0;
  let reads = 0;
  const cgfs: CgroupFs = {
    ...fake.cgfs,
    read: (p) => {
      if (p !== file) return fake.cgfs.read(p);
      reads++;
      const state = fs.readFileSync(p, 'utf8').trim();
      if (state === 'FROZEN' && left > 0) {
        left--;
        return 'FREEZING\n';
      }
      return `${state}\n`;
    },
    write: (p, value) => {
      fake.cgfs.write(p, value);
      if (p === file && value === 'FROZEN' && left === 0 && reads === 0) left = freezingReads;
    },
  };
  return { record, cgfs, writes: fake.writes, file, reads: () => reads };
}

t.test('freezerOf: the v1 freezer hierarchy (hybrid too), the cgroup2 directory alone, else none', async (t) => {
  t.same(freezerOf({ paths: { freezer: '/sys/fs/cgroup/freezer/c', '': '/sys/fs/cgroup/unified/c' }, created: [] }), {
    version: 1,
    dir: '/sys/fs/cgroup/freezer/c',
  });
  t.same(freezerOf({ paths: { '': '/sys/fs/cgroup/c' }, created: [] }), { version: 2, dir: '/sys/fs/cgroup/c' });
  t.equal(
    freezerOf({ paths: { memory: '/sys/fs/cgroup/memory/c', '': '/sys/fs/cgroup/unified/c' }, created: [] }),
    null,
    'a hybrid host without a v1 freezer: none (the cgroup2 side holds no processes to freeze alone)',
  );
});

t.test('v1: FROZEN at once, THAWED back; isFrozen reads freezer.state', async (t) => {
  const { record, cgfs, file } = v1Tree(t, 0);
  const f = freezerOf(record)!;
  t.equal(isFrozen(cgfs, f), false);
  freeze(cgfs, f, noWait);
  t.equal(fs.readFileSync(file, 'utf8'), 'FROZEN');
  t.equal(isFrozen(cgfs, f), true);
  thaw(cgfs, f);
  t.equal(fs.readFileSync(file, 'utf8'), 'THAWED');
  t.equal(isFrozen(cgfs, f), false);
});

t.test('v1: a cgroup that stays FREEZING a while: FROZEN written again until it holds', async (t) => {
  const { record, cgfs, writes, file, reads } = v1Tree(t, 120);
  const sleeps: number[] = [];
  freeze(cgfs, freezerOf(record)!, { sleep: (ms) => sleeps.push(ms) });
  t.equal(reads(), 121, 'read back after every write until FROZEN');
  const mine = writes.filter((w) => w.file === file).map((w) => w.value);
  t.equal(mine.filter((v) => v === 'FROZEN').length, 121, 'FROZEN re-written on each try');
  t.equal(mine.filter((v) => v === 'THAWED').length, 2, 'a thaw every 50 tries, as runc');
  t.same(sleeps, [10, 10], 'with a 10 ms pause after each thaw');
  t.equal(isFrozen(cgfs, freezerOf(record)!), true);
});

t.test('v1: stuck in FREEZING: fails after 1000 tries and leaves the cgroup thawed', async (t) => {
  const { record, cgfs, file } = v1Tree(t, 1_000_000);
  t.throws(() => freeze(cgfs, freezerOf(record)!, noWait), { message: 'unable to freeze' });
  t.equal(fs.readFileSync(file, 'utf8'), 'THAWED');
});

t.test('v1: a missing freezer.state is not frozen, and freeze says which file', async (t) => {
  const f = { version: 1 as const, dir: '/nonexistent/tsrun-freezer' };
  const { cgfs } = v1Tree(t, 0);
  t.equal(isFrozen(cgfs, f), false);
  t.throws(() => freeze(cgfs, f, noWait), { message: /^write \/nonexistent\/tsrun-freezer\/freezer.state: / });
});

/** A v2 cgroup whose kernel reports "frozen 1" in cgroup.events after `polls` reads. */
function v2Tree(t: { teardown(fn: () => void): void }, polls: number) {
  const fake = fakeCgroup2Tree();
  t.teardown(() => fs.rmSync(fake.root, { recursive: true, force: true }));
  const record = createCgroups(fake.cgfs, fake.hierarchies, () => '/ctr');
  const dir = record.paths[''] as string;
  fs.writeFileSync(path.join(dir, 'cgroup.freeze'), '0\n');
  fs.writeFileSync(path.join(dir, 'cgroup.events'), 'populated 1\nfrozen 0\n');
  let left = 0;
  let eventReads = 0;
  const cgfs: CgroupFs = {
    ...fake.cgfs,
    read: (p) => {
      if (p !== path.join(dir, 'cgroup.events')) return fake.cgfs.read(p);
      eventReads++;
      const want = fs.readFileSync(path.join(dir, 'cgroup.freeze'), 'utf8').trim();
      if (want === '1' && left-- <= 0) return 'populated 1\nfrozen 1\n';
      return 'populated 1\nfrozen 0\n';
    },
    write: (p, value) => {
      fake.cgfs.write(p, value);
      if (p.endsWith('cgroup.freeze') && value === '1') left = polls;
    },
  };
  return { record, cgfs, dir, eventReads: () => eventReads };
}

t.test('v2: cgroup.freeze 1, done once cgroup.events says "frozen 1"; thaw writes 0', async (t) => {
  const { record, cgfs, dir, eventReads } = v2Tree(t, 5);
  const f = freezerOf(record)!;
  t.equal(f.version, 2);
  t.equal(isFrozen(cgfs, f), false);
  const sleeps: number[] = [];
  freeze(cgfs, f, { sleep: (ms) => sleeps.push(ms) });
  t.equal(fs.readFileSync(path.join(dir, 'cgroup.freeze'), 'utf8'), '1');
  t.equal(eventReads(), 6, 'polled until frozen 1');
  t.same(sleeps, [10, 10, 10, 10, 10]);
  t.equal(isFrozen(cgfs, f), true);
  thaw(cgfs, f);
  t.equal(fs.readFileSync(path.join(dir, 'cgroup.freeze'), 'utf8'), '0');
  t.equal(isFrozen(cgfs, f), false);
});

t.test('v2: never frozen: times out after 1000 polls and thaws back', async (t) => {
  const { record, cgfs, dir } = v2Tree(t, 1_000_000);
  t.throws(() => freeze(cgfs, freezerOf(record)!, noWait), {
    message: 'timeout of 10s reached waiting for the cgroup to freeze',
  });
  t.equal(fs.readFileSync(path.join(dir, 'cgroup.freeze'), 'utf8'), '0');
});

const psEf = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 10:00 ?        00:00:01 /sbin/init
root        4242       1  0 10:01 ?        00:00:00 /bin/sh -c sleep 100 & exec sleep 100
root        4243    4242  0 10:01 ?        00:00:00 sleep 100
root       14243       1  0 10:01 pts/0    00:00:00 bash
`;

t.test('ps table: the header and the lines of the container pids, PID column by its title', async (t) => {
  t.equal(
    filterPsTable(psEf, [4242, 4243]),
    `UID          PID    PPID  C STIME TTY          TIME CMD
root        4242       1  0 10:01 ?        00:00:00 /bin/sh -c sleep 100 & exec sleep 100
root        4243    4242  0 10:01 ?        00:00:00 sleep 100
`,
  );
  t.equal(
    filterPsTable('  PID STAT COMMAND\n 4243 S    sleep\n   77 R    ps\n', [4243]),
    '  PID STAT COMMAND\n 4243 S    sleep\n',
    'PID first, right-aligned',
  );
  t.equal(filterPsTable(psEf, []), 'UID          PID    PPID  C STIME TTY          TIME CMD\n', 'no pids: the header');
});

t.test('ps table: runc errors for output without a PID column or with a bad pid', async (t) => {
  t.throws(() => filterPsTable('USER COMMAND\nroot sh\n', [1]), { message: "couldn't find PID field in ps output" });
  t.throws(() => filterPsTable('PID CMD\nxx sh\n', [1]), { message: /^unable to parse pid: / });
});

t.test('ps json: the pids, or null for none (Go nil slice)', async (t) => {
  t.equal(pidsJson([4242, 4243]), '[4242,4243]\n');
  t.equal(pidsJson([]), 'null\n');
});

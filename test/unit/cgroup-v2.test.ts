// The cgroup code on a pure cgroup v2 host, against a fake v2 tree (test/fakes/cgroup-fs.ts)
// whose hierarchy is parsed from the mountinfo and /proc/self/cgroup text of such a host.
// test/integration/cgroup-v2-host.test.ts proves the same on a real one, when one is lent.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { cgroupMode, cgroupVersion } from '../../src/cgroups/hierarchies';
import { cgroupPids, createCgroups, joinCgroups, removeCgroups } from '../../src/cgroups/manager';
import { cgroupPathIn } from '../../src/cgroups/paths';
import { applyResources } from '../../src/cgroups/resources';
import { cgroup2Dir, cgroupMountSources } from '../../src/container/container-cgroups';
import { fakeCgroup2Tree } from '../fakes/cgroup-fs';

function tree(t: { teardown(fn: () => void): void }, opts?: Parameters<typeof fakeCgroup2Tree>[0]) {
  const fake = fakeCgroup2Tree(opts);
  t.teardown(() => fs.rmSync(fake.root, { recursive: true, force: true }));
  return fake;
}

const read = (p: string) => fs.readFileSync(p, 'utf8');

t.test('hierarchies: a pure v2 host is one cgroup2 hierarchy, unified', async (t) => {
  const { root, hierarchies } = tree(t, { ownPath: '/user.slice/session-1.scope' });
  t.same(hierarchies, [
    {
      key: '',
      name: path.basename(root),
      mountPoint: root,
      version: 2,
      controllers: [],
      ownPath: '/user.slice/session-1.scope',
    },
  ]);
  t.equal(cgroupMode(hierarchies), 'unified');
  t.equal(cgroupVersion(hierarchies), 2);
});

t.test('paths: absolute from the root, relative below the runtime, the id by default', async (t) => {
  const { hierarchies } = tree(t, { ownPath: '/user.slice/session-1.scope' });
  const v2 = hierarchies[0]!;
  t.equal(cgroupPathIn(v2, '/tsrun-test-v2/c1', 'c1', false), '/tsrun-test-v2/c1');
  t.equal(cgroupPathIn(v2, 'sub/c1', 'c1', false), '/user.slice/session-1.scope/sub/c1');
  t.equal(cgroupPathIn(v2, undefined, 'c1', false), '/user.slice/session-1.scope/c1');
});

t.test('create delegates every controller on the way down; pids.max; the init joins the leaf; removal', async (t) => {
  const { root, cgfs, writes, hierarchies } = tree(t);
  const parent = path.join(root, 'tsrun-test-v2');
  const leaf = path.join(parent, 'p2');
  const record = createCgroups(cgfs, hierarchies, (h) => cgroupPathIn(h, '/tsrun-test-v2/p2', 'p2', false));
  t.same(record, { paths: { '': leaf }, created: [leaf, parent] }, 'one directory, both levels made, deepest first');
  t.equal(read(path.join(root, 'cgroup.subtree_control')), 'cpuset cpu io memory pids', 'the root delegates');
  t.equal(read(path.join(parent, 'cgroup.subtree_control')), 'cpuset cpu io memory pids', 'the parent delegates');
  t.equal(read(path.join(leaf, 'cgroup.subtree_control')), '', 'the leaf delegates nothing: it takes processes');
  t.equal(read(path.join(leaf, 'pids.max')), 'max', 'the leaf shows pids.max');

  applyResources(cgfs, hierarchies, record, { pids: { limit: 42 } });
  t.equal(read(path.join(leaf, 'pids.max')), '42', 'the pids limit is written to the leaf');
  t.same(
    writes.filter((w) => w.file.endsWith('pids.max')),
    [{ file: path.join(leaf, 'pids.max'), value: '42' }],
    'and nowhere else',
  );
  applyResources(cgfs, hierarchies, record, { pids: { limit: -1 } });
  t.equal(read(path.join(leaf, 'pids.max')), 'max', 'a negative limit is no limit');

  joinCgroups(cgfs, record, 4242);
  t.same(
    writes.filter((w) => w.file.endsWith('cgroup.procs')),
    [{ file: path.join(leaf, 'cgroup.procs'), value: '4242' }],
    'one write joins the one hierarchy',
  );
  t.equal(read(path.join(leaf, 'cgroup.procs')), '4242\n');
  t.same(cgroupPids(cgfs, record), [4242], 'kill --all finds it');
  t.equal(cgroup2Dir(record, hierarchies), leaf, "the container's /sys/fs/cgroup is the leaf");
  t.same(cgroupMountSources(record, hierarchies), [], 'no v1 hierarchies to mount');

  t.same(removeCgroups(cgfs, record), [leaf], 'a cgroup with a process cannot be removed: reported');
  t.ok(fs.existsSync(leaf), 'still there');
  fs.writeFileSync(path.join(leaf, 'cgroup.procs'), ''); // the process exited
  t.same(cgroupPids(cgfs, record), [], 'empty after the kill');
  t.same(removeCgroups(cgfs, record), [], 'then removed');
  t.notOk(fs.existsSync(parent), 'the parent it made is gone too');
  t.ok(fs.existsSync(path.join(root, 'cgroup.procs')), 'the root stays');
});

t.test("a parent shared by two containers stays until the last is gone, and is not the second one's", async (t) => {
  const { root, cgfs, hierarchies } = tree(t);
  const parent = path.join(root, 'tsrun-test-v2');
  const first = createCgroups(cgfs, hierarchies, () => '/tsrun-test-v2/c1');
  const second = createCgroups(cgfs, hierarchies, () => '/tsrun-test-v2/c2');
  t.same(second.created, [path.join(parent, 'c2')], 'the second found the parent');
  t.equal(read(path.join(parent, 'c2', 'pids.max')), 'max', 'and still gets the controllers');
  t.same(removeCgroups(cgfs, first), [], 'the first goes; the busy parent is no failure');
  t.ok(fs.existsSync(parent), 'the parent stays while the second is there');
  t.same(removeCgroups(cgfs, second), []);
  t.ok(fs.existsSync(parent), 'the second did not make the parent: it leaves it');
});

t.test('a pids limit on a host without the pids controller fails', async (t) => {
  const { cgfs, hierarchies } = tree(t, { controllers: ['cpu', 'memory'] });
  const record = createCgroups(cgfs, hierarchies, () => '/tsrun-test-v2/c1');
  // The leaf's cgroup.controllers does not list it: one line naming the config entry.
  t.throws(() => applyResources(cgfs, hierarchies, record, { pids: { limit: 42 } }), {
    code: 'ERR_TSRUN_CONFIG',
    message: `config.json: linux.resources.pids.limit: the pids controller is not enabled in ${record.paths['']}`,
  });
  t.same(removeCgroups(cgfs, record), []);
});

t.test("below the runtime's own cgroup, which holds processes, nothing can be delegated", async (t) => {
  const { root, cgfs, hierarchies } = tree(t, { ownPath: '/user.slice/session-1.scope' });
  const own = path.join(root, 'user.slice', 'session-1.scope');
  const record = createCgroups(cgfs, hierarchies, (h) => cgroupPathIn(h, undefined, 'c1', false));
  t.same(record, { paths: { '': path.join(own, 'c1') }, created: [path.join(own, 'c1')] });
  t.equal(read(path.join(own, 'cgroup.subtree_control')), '', 'no internal processes: the kernel refused');
  t.notOk(fs.existsSync(path.join(own, 'c1', 'pids.max')), 'so the container has no pids.max');
  joinCgroups(cgfs, record, 4242);
  t.equal(read(path.join(own, 'c1', 'cgroup.procs')), '4242\n', 'it can still be joined');
  fs.writeFileSync(path.join(own, 'c1', 'cgroup.procs'), '');
  t.same(removeCgroups(cgfs, record), []);
});

// linux.intelRdt on a resctrl root (src/resctrl/resctrl.ts), against a fake resctrl tree
// in a tmpdir: this host has no resctrl (no Intel RDT or AMD QoS), so the kernel cannot be
// reached here. The fake does what resctrl's mkdir and rmdir do: a new group comes with
// its schemata and tasks files and a mon_groups directory; rmdir removes a group whole.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import {
  applyRdt,
  findResctrlMount,
  intelRdtProblem,
  type RdtRecord,
  removeRdt,
  type ResctrlDirs,
  schemataLines,
} from '../../src/resctrl/resctrl';

const fakeDirs: ResctrlDirs = {
  mkdir(dir) {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'schemata'), 'L3:0=7ff;1=7ff\nMB:0=100;1=100\n');
    fs.writeFileSync(path.join(dir, 'tasks'), '');
    if (path.basename(path.dirname(dir)) !== 'mon_groups') fs.mkdirSync(path.join(dir, 'mon_groups'));
  },
  rmdir: (dir) => fs.rmSync(dir, { recursive: true }),
};

function fakeRoot(t: { testdir: () => string }): string {
  const root = path.join(t.testdir(), 'resctrl-root');
  fs.mkdirSync(root);
  return root;
}

const read = (...parts: string[]) => fs.readFileSync(path.join(...parts), 'utf8');

t.test('the resctrl mount is found in mountinfo (octal escapes undone); none: null', async (t) => {
  const line = (point: string, fstype: string) =>
    `40 23 0:38 / ${point} rw,relatime shared:20 - ${fstype} ${fstype} rw`;
  t.equal(findResctrlMount([line('/sys', 'sysfs'), line('/sys/fs/resctrl', 'resctrl')].join('\n')), '/sys/fs/resctrl');
  t.equal(findResctrlMount(line('/mnt/rdt\\040x', 'resctrl')), '/mnt/rdt x');
  t.equal(findResctrlMount(line('/sys', 'sysfs')), null);
  t.equal(findResctrlMount(fs.readFileSync('/proc/self/mountinfo', 'utf8')), null, 'this host has none');
});

t.test('schemata lines: l3CacheSchema, memBwSchema, then schemata[]', async (t) => {
  t.same(schemataLines({ schemata: ['L2:0=f'], memBwSchema: 'MB:0=20', l3CacheSchema: 'L3:0=ff' }), [
    'L3:0=ff',
    'MB:0=20',
    'L2:0=f',
  ]);
  t.same(schemataLines({ closID: 'x' }), []);
});

t.test('closID and schemata problems name the field', async (t) => {
  t.same(intelRdtProblem({ closID: 'a/b' }), ['closID', 'must be "/" or one directory name, got "a/b"']);
  t.same(intelRdtProblem({ closID: '..' })?.[0], 'closID');
  t.equal(intelRdtProblem({ closID: '/' }), undefined, 'the root group');
  t.same(intelRdtProblem({ schemata: ['L3:0=f', 'MB:0=1\nL3:0=1'] }), ['schemata[1]', 'must not contain a newline']);
  t.same(intelRdtProblem({ l3CacheSchema: 'L3:0=f\n' }), ['l3CacheSchema', 'must not contain a newline']);
});

t.test('no closID: a group named after the container, schemata in one write, the pid; removed at delete', async (t) => {
  const root = fakeRoot(t);
  const made: RdtRecord[] = [];
  const rec = applyRdt(
    root,
    { l3CacheSchema: 'L3:0=f', schemata: ['MB:0=20'] },
    'c1',
    42,
    (r) => void made.push(r),
    fakeDirs,
  );
  t.same(rec, { group: path.join(root, 'c1'), removeGroup: true, monGroup: null });
  t.equal(made[0], rec, 'handed to the undo as soon as the group exists');
  t.equal(read(root, 'c1', 'schemata'), 'L3:0=f\nMB:0=20\n');
  t.equal(read(root, 'c1', 'tasks'), '42');
  removeRdt(rec, fakeDirs);
  t.notOk(fs.existsSync(path.join(root, 'c1')));
});

t.test('enableMonitoring: mon_groups/<id> holds the pid too, and goes at delete', async (t) => {
  const root = fakeRoot(t);
  const rec = applyRdt(root, { enableMonitoring: true }, 'c2', 7, () => {}, fakeDirs);
  const mon = path.join(root, 'c2', 'mon_groups', 'c2');
  t.equal(rec.monGroup, mon);
  t.equal(read(mon, 'tasks'), '7');
  t.equal(read(root, 'c2', 'schemata'), 'L3:0=7ff;1=7ff\nMB:0=100;1=100\n', 'nothing asked, nothing written');
  removeRdt(rec, fakeDirs);
  t.notOk(fs.existsSync(path.join(root, 'c2')));
});

t.test('closID with schemata: made when missing, but kept at delete (it is shared by name)', async (t) => {
  const root = fakeRoot(t);
  const rec = applyRdt(root, { closID: 'gold', memBwSchema: 'MB:0=70' }, 'c3', 9, () => {}, fakeDirs);
  t.same(rec, { group: path.join(root, 'gold'), removeGroup: false, monGroup: null });
  t.equal(read(root, 'gold', 'schemata'), 'MB:0=70\n');
  removeRdt(rec, fakeDirs);
  t.ok(fs.existsSync(path.join(root, 'gold')));
});

t.test('an existing closID: its schemata must hold what is asked; the pid joins it', async (t) => {
  const root = fakeRoot(t);
  fakeDirs.mkdir(path.join(root, 'silver'));
  const rec = applyRdt(root, { closID: 'silver', l3CacheSchema: 'L3:0=7ff; 1=7ff' }, 'c4', 5, () => {}, fakeDirs);
  t.equal(read(root, 'silver', 'tasks'), '5');
  t.equal(rec.removeGroup, false);
  t.throws(() => applyRdt(root, { closID: 'silver', l3CacheSchema: 'L3:0=f' }, 'c5', 6, () => {}, fakeDirs), {
    message: `linux.intelRdt: the schemata of ${path.join(root, 'silver')} do not hold "L3:0=f"`,
  });
  t.equal(read(root, 'silver', 'tasks'), '5', 'the refused container did not join');
});

t.test('a closID without schemata must be pre-configured; "/" is the root group', async (t) => {
  const root = fakeRoot(t);
  t.throws(() => applyRdt(root, { closID: 'none' }, 'c6', 1, () => {}, fakeDirs), {
    message: `linux.intelRdt.closID: no pre-configured group ${path.join(root, 'none')}`,
  });
  t.notOk(fs.existsSync(path.join(root, 'none')), 'not made');
  fs.writeFileSync(path.join(root, 'tasks'), '');
  const rec = applyRdt(root, { closID: '/' }, 'c7', 3, () => {}, fakeDirs);
  t.same(rec, { group: root, removeGroup: false, monGroup: null });
  t.equal(read(root, 'tasks'), '3');
});

t.test('a failure after the group was made leaves it to the undo it was handed to', async (t) => {
  const root = fakeRoot(t);
  const made: RdtRecord[] = [];
  const noMonGroups: ResctrlDirs = {
    mkdir: (dir) =>
      dir.includes('mon_groups')
        ? fs.mkdirSync(dir)
        : (fs.mkdirSync(dir), fs.writeFileSync(path.join(dir, 'tasks'), '')),
    rmdir: fakeDirs.rmdir,
  };
  t.throws(() => applyRdt(root, { enableMonitoring: true }, 'c8', 4, (r) => void made.push(r), noMonGroups), {
    code: 'ENOENT',
  });
  t.equal(made.length, 1);
  removeRdt(made[0]!, fakeDirs);
  t.notOk(fs.existsSync(path.join(root, 'c8')), 'the undo removed it');
});

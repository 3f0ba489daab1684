// Mount options beyond mount(2)'s flags, checked from inside: the recursive attributes
// (rro, rnosuid, ...) reach a submount of a bind's source; a bind's flag-clearing options
// (rw, suid, exec, dev, atime) clear what its source has, and where a user namespace locks
// such a flag create fails naming the mount and leaves nothing. Each check has a control
// that shows what the checker sees without the option.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import type { Mount } from '../../src/config/types';
import { chownForUserns, harness, inUserNamespace } from '../helpers/harness';
import { hostMounts } from '../helpers/host-mounts';

const h = harness(t);

interface MountInfo {
  mountPoint: string;
  options: string[];
}
interface TryWrite {
  writes: Record<string, string>;
  mounts: MountInfo[];
}

/** Runs the probe's try-write on `paths` in a container with `mounts` added. */
function tryWrite(t: Test, mounts: Mount[], paths: string[]): TryWrite {
  const id = h.id('mntopt');
  const bundle = h.bundle(id, (s) => {
    s.mounts!.push(...mounts);
    s.process!.args = ['/probe', 'try-write', ...paths];
  });
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 0, `runs: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const optionsAt = (p: TryWrite, at: string): string[] =>
  p.mounts.filter((m) => m.mountPoint === at).at(-1)?.options ?? ['(not mounted)'];

/** A host tree: a tmpfs at tree/ holding a tmpfs submount at tree/sub, both plain rw. */
function treeWithSubmount(t: Test): string {
  const host = hostMounts(t);
  const tree = host.tmpfs('tree', []);
  host.tmpfs('tree/sub', []);
  return tree;
}

t.test('rro makes a submount of the source read-only too; ro alone does not', async (t) => {
  const tree = treeWithSubmount(t);
  const p = tryWrite(
    t,
    [
      { type: 'bind', source: tree, destination: '/rro', options: ['rbind', 'rro'] },
      { type: 'bind', source: tree, destination: '/ro', options: ['rbind', 'ro'] },
    ],
    ['/rro/f', '/rro/sub/f', '/ro/f', '/ro/sub/f'],
  );
  t.same(p.writes, { '/rro/f': 'EROFS', '/rro/sub/f': 'EROFS', '/ro/f': 'EROFS', '/ro/sub/f': 'ok' });
  t.ok(optionsAt(p, '/rro').includes('ro'), 'mountinfo: /rro ro');
  t.ok(optionsAt(p, '/rro/sub').includes('ro'), 'mountinfo: /rro/sub ro');
  t.ok(optionsAt(p, '/ro/sub').includes('rw'), 'control: /ro/sub stays rw');
});

t.test('rnosuid, rnoexec, rnodev, rnoatime reach the submount; rrw clears ro on every level', async (t) => {
  const tree = treeWithSubmount(t);
  const p = tryWrite(
    t,
    [
      { type: 'bind', source: tree, destination: '/r', options: ['rbind', 'rnosuid', 'rnoexec', 'rnodev', 'rnoatime'] },
      { type: 'bind', source: tree, destination: '/plain', options: ['rbind'] },
      // rro then rrw: the last word wins.
      { type: 'bind', source: tree, destination: '/rw', options: ['rbind', 'rro', 'rrw'] },
      { type: 'tmpfs', source: 'tmpfs', destination: '/t', options: ['rnoexec', 'rstrictatime'] },
    ],
    ['/rw/f', '/rw/sub/f'],
  );
  for (const at of ['/r', '/r/sub'])
    for (const flag of ['nosuid', 'noexec', 'nodev', 'noatime'])
      t.ok(optionsAt(p, at).includes(flag), `${at}: ${flag}`);
  for (const flag of ['nosuid', 'noexec', 'nodev', 'noatime'])
    t.notOk(optionsAt(p, '/plain/sub').includes(flag), `control: /plain/sub has no ${flag}`);
  t.same(p.writes, { '/rw/f': 'ok', '/rw/sub/f': 'ok' }, 'rrw after rro: writable');
  t.ok(optionsAt(p, '/t').includes('noexec'), 'on a tmpfs too: noexec');
  t.notOk(optionsAt(p, '/t').includes('relatime'), 'rstrictatime: not relatime');
});

t.test("a bind's rw, suid, exec, dev, atime clear the flags its source has", async (t) => {
  const host = hostMounts(t);
  const src = host.tmpfs('locked', ['ro', 'nosuid', 'noexec', 'nodev', 'noatime']);
  const p = tryWrite(
    t,
    [
      { type: 'bind', source: src, destination: '/cleared', options: ['bind', 'rw', 'suid', 'exec', 'dev', 'atime'] },
      { type: 'bind', source: src, destination: '/kept', options: ['bind'] },
    ],
    ['/cleared/f', '/kept/f'],
  );
  t.same(p.writes, { '/cleared/f': 'ok', '/kept/f': 'EROFS' });
  const cleared = optionsAt(p, '/cleared');
  for (const flag of ['ro', 'nosuid', 'noexec', 'nodev', 'noatime'])
    t.notOk(cleared.includes(flag), `cleared: ${flag}`);
  t.ok(cleared.includes('relatime'), 'atime: back to the default, relatime');
  const kept = optionsAt(p, '/kept');
  for (const flag of ['ro', 'nosuid', 'noexec', 'nodev', 'noatime']) t.ok(kept.includes(flag), `control: kept ${flag}`);
});

t.test('in a user namespace a locked flag cannot be cleared: create fails naming the mount', async (t) => {
  const host = hostMounts(t);
  const src = host.tmpfs('locked', ['ro']);
  const id = h.id('mntopt-locked');
  let index = -1;
  const bundle = h.bundle(id, (s) => {
    inUserNamespace(s);
    index = s.mounts!.push({ type: 'bind', source: src, destination: '/m', options: ['bind', 'rw'] }) - 1;
  });
  chownForUserns(bundle);
  const r = h.cli(['create', '--bundle', bundle, id]);
  t.equal(r.code, 1, 'exit 1');
  t.equal(
    r.stderr,
    `tsrun: set the flags of mount mounts[${index}] (bind ${src} on /m): operation not permitted: ` +
      'a flag its source has is locked in the user namespace and cannot be cleared\n',
  );
  h.expectNothingLeft(t, id);
  // Without "rw" the same container runs: the refusal is the cleared flag's.
  const ok = h.bundle(h.id('mntopt-kept'), (s) => {
    inUserNamespace(s);
    s.mounts!.push({ type: 'bind', source: src, destination: '/m', options: ['bind'] });
    s.process!.args = ['/probe', 'try-write', '/m/f'];
  });
  chownForUserns(ok);
  const k = h.cli(['run', '--bundle', ok, path.basename(ok)]);
  t.equal(k.code, 0, `runs: ${k.stderr}`);
  t.same(JSON.parse(k.stdout).writes, { '/m/f': 'EROFS' }, 'the source stays read-only');
  t.ok(fs.existsSync(src));
});

t.test(
  "tmpcopyup copies the image's directory into the tmpfs: files, dirs, links as links, owners, modes",
  async (t) => {
    const id = h.id('mntopt-copyup');
    const stat = [
      '/seed/file',
      '/seed/dir',
      '/seed/dir/deeper/leaf',
      '/seed/abs-link',
      '/seed/dir/up-link',
      '/seed-ro/f',
    ];
    const bundle = h.bundle(id, (s) => {
      s.mounts!.push(
        { type: 'tmpfs', source: 'tmpfs', destination: '/seed', options: ['tmpcopyup', 'mode=755'] },
        // Read-only: filled first, then made read-only.
        { type: 'tmpfs', source: 'tmpfs', destination: '/seed-ro', options: ['tmpcopyup', 'ro'] },
      );
      // Two probe reports, one a line: what the tmpfs holds, then what writing there does.
      s.process!.args = [
        '/bin/sh',
        '-c',
        `/probe stat ${stat.join(' ')} && /probe try-write /seed/dir/deeper/leaf /seed/new /seed-ro/new`,
      ];
    });
    const seed = path.join(bundle, 'rootfs', 'seed');
    fs.mkdirSync(path.join(seed, 'dir', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(seed, 'file'), 'image');
    fs.chownSync(path.join(seed, 'file'), 1000, 1001);
    fs.chmodSync(path.join(seed, 'file'), 0o4750);
    fs.writeFileSync(path.join(seed, 'dir', 'deeper', 'leaf'), 'leaf');
    fs.chmodSync(path.join(seed, 'dir'), 0o711);
    fs.symlinkSync('/etc/shadow-of-the-host', path.join(seed, 'abs-link'));
    fs.symlinkSync('../../../../../../etc', path.join(seed, 'dir', 'up-link'));
    fs.lchownSync(path.join(seed, 'abs-link'), 1002, 1003);
    const r = h.cli(['run', '--bundle', bundle, id]);
    t.equal(r.code, 0, `runs: ${r.stderr}`);
    const [statLine, writeLine] = r.stdout.trim().split('\n');
    const st = JSON.parse(statLine!);
    t.match(
      st['/seed/file'],
      { type: 'file', mode: 0o4750, uid: 1000, gid: 1001 },
      'file: owner and mode, setuid kept',
    );
    t.match(st['/seed/dir'], { type: 'dir', mode: 0o711 }, 'dir: its mode');
    t.match(st['/seed/dir/deeper/leaf'], { type: 'file' }, 'two levels down');
    t.match(st['/seed/abs-link'], { type: 'symlink', target: '/etc/shadow-of-the-host', uid: 1002, gid: 1003 });
    t.match(st['/seed/dir/up-link'], { type: 'symlink', target: '../../../../../../etc' }, 'a link, not followed');
    const w = JSON.parse(writeLine!);
    t.same(
      w.writes,
      { '/seed/dir/deeper/leaf': 'ok', '/seed/new': 'ok', '/seed-ro/new': 'EROFS' },
      'writable in the tmpfs',
    );
    t.equal(w.mounts.filter((m: MountInfo & { fstype: string }) => m.mountPoint === '/seed').at(-1)?.fstype, 'tmpfs');
    t.equal(fs.readFileSync(path.join(seed, 'dir', 'deeper', 'leaf'), 'utf8'), 'leaf', 'the rootfs file is unchanged');
    t.notOk(fs.existsSync(path.join(seed, 'new')), 'no new file in the rootfs');
  },
);

t.test('a tmpcopyup that does not fit fails create naming the mount, leaving nothing', async (t) => {
  const id = h.id('mntopt-copyup-full');
  let index = -1;
  const bundle = h.bundle(id, (s) => {
    index =
      s.mounts!.push({ type: 'tmpfs', source: 'tmpfs', destination: '/seed', options: ['tmpcopyup', 'size=64k'] }) - 1;
  });
  fs.mkdirSync(path.join(bundle, 'rootfs', 'seed'));
  fs.writeFileSync(path.join(bundle, 'rootfs', 'seed', 'big'), Buffer.alloc(1 << 20, 1));
  const r = h.cli(['create', '--bundle', bundle, id]);
  t.equal(r.code, 1, 'exit 1');
  t.equal(
    r.stderr,
    `tsrun: tmpcopyup of mount mounts[${index}] (copy the image's /seed into the tmpfs): no space left on device\n`,
  );
  h.expectNothingLeft(t, id);
});

t.test('tmpcopyup is refused on anything but a tmpfs, naming the option, leaving nothing', async (t) => {
  const id = h.id('mntopt-copyup-bind');
  let index = -1;
  const bundle = h.bundle(id, (s) => {
    index = s.mounts!.push({ type: 'bind', source: '/tmp', destination: '/m', options: ['rbind', 'tmpcopyup'] }) - 1;
  });
  const r = h.cli(['create', '--bundle', bundle, id]);
  t.equal(r.code, 1);
  t.equal(r.stderr, `tsrun: config.json: mounts[${index}].options[1]: tmpcopyup needs a tmpfs mount\n`);
  t.notOk(h.stateDirExists(id), 'no state directory');
});

t.test('a relative destination (deprecated, config.md) is relative to "/", not to process.cwd', async (t) => {
  const tree = treeWithSubmount(t);
  const id = h.id('mntopt-rel');
  const bundle = h.bundle(id, (s) => {
    s.process!.cwd = '/tmp';
    s.mounts!.push(
      { type: 'tmpfs', source: 'tmpfs', destination: 'rel/tmpfs', options: ['ro'] },
      { type: 'bind', source: tree, destination: 'rel/bind', options: ['rbind'] },
    );
    s.process!.args = ['/probe', 'try-write', '/rel/tmpfs/f', '/rel/bind/f'];
  });
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 0, `runs: ${r.stderr}`);
  const p: TryWrite = JSON.parse(r.stdout);
  t.same(p.writes, { '/rel/tmpfs/f': 'EROFS', '/rel/bind/f': 'ok' }, 'both mounted under /rel');
  t.same(
    p.mounts.filter((m) => m.mountPoint.includes('rel/')).map((m) => m.mountPoint),
    ['/rel/tmpfs', '/rel/bind', '/rel/bind/sub'],
    'nowhere under the cwd',
  );
});

t.test('an empty destination is refused naming it, leaving nothing', async (t) => {
  const id = h.id('mntopt-empty');
  let index = -1;
  const bundle = h.bundle(id, (s) => {
    index = s.mounts!.push({ type: 'tmpfs', source: 'tmpfs', destination: '' }) - 1;
  });
  const r = h.cli(['create', '--bundle', bundle, id]);
  t.equal(r.code, 1);
  t.equal(r.stderr, `tsrun: config.json: mounts[${index}].destination: must not be empty\n`);
  t.notOk(h.stateDirExists(id), 'no state directory');
});

/** A host tree for idmap: tree/file and tree/sub/file (sub a tmpfs submount), owned by 1000:1000. */
function ownedTree(t: Test): string {
  const tree = treeWithSubmount(t);
  for (const f of [path.join(tree, 'file'), path.join(tree, 'sub', 'file')]) {
    fs.writeFileSync(f, 'x');
    fs.chownSync(f, 1000, 1000);
  }
  return tree;
}

const statOf = (t: Test, bundle: string, id: string) => {
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 0, `runs: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

t.test(
  "idmap with the mount's mappings: host uid 1000 is seen as the mapped id; ridmap reaches a submount",
  async (t) => {
    const tree = ownedTree(t);
    const maps = {
      uidMappings: [{ containerID: 1000, hostID: 5, size: 1 }],
      gidMappings: [{ containerID: 1000, hostID: 6, size: 1 }],
    };
    const id = h.id('mntopt-idmap');
    const bundle = h.bundle(id, (s) => {
      s.mounts!.push(
        { type: 'bind', source: tree, destination: '/idmap', options: ['rbind', 'idmap'], ...maps },
        { type: 'bind', source: tree, destination: '/ridmap', options: ['rbind', 'ridmap'], ...maps },
        { type: 'bind', source: tree, destination: '/plain', options: ['rbind'] },
      );
      s.process!.args = [
        '/probe',
        'stat',
        '/idmap/file',
        '/idmap/sub/file',
        '/ridmap/file',
        '/ridmap/sub/file',
        '/plain/file',
      ];
    });
    const st = statOf(t, bundle, id);
    t.match(st['/idmap/file'], { uid: 5, gid: 6 }, 'idmap: 1000 -> 5:6');
    t.match(st['/idmap/sub/file'], { uid: 1000, gid: 1000 }, 'idmap: the submount is not mapped');
    t.match(st['/ridmap/file'], { uid: 5, gid: 6 }, 'ridmap: the top');
    t.match(st['/ridmap/sub/file'], { uid: 5, gid: 6 }, 'ridmap: the submount too');
    t.match(st['/plain/file'], { uid: 1000, gid: 1000 }, 'control: a plain bind shows the host owner');
  },
);

t.test("idmap without mappings of its own uses the container's user namespace", async (t) => {
  const tree = ownedTree(t);
  const id = h.id('mntopt-idmap-userns');
  const bundle = h.bundle(id, (s) => {
    inUserNamespace(s);
    s.mounts!.push(
      { type: 'bind', source: tree, destination: '/idmap', options: ['rbind', 'idmap'] },
      { type: 'bind', source: tree, destination: '/plain', options: ['rbind'] },
    );
    s.process!.args = ['/probe', 'stat', '/idmap/file', '/plain/file'];
  });
  chownForUserns(bundle);
  const st = statOf(t, bundle, id);
  t.match(st['/idmap/file'], { uid: 1000, gid: 1000 }, "the disk's 1000 is the container's 1000");
  t.match(st['/plain/file'], { uid: 65534, gid: 65534 }, 'control: unmapped through a plain bind');
});

t.test('idmap that cannot be honoured is refused naming the entry, leaving nothing', async (t) => {
  const cases: [string, Mount, string][] = [
    [
      'no mappings, no user namespace',
      { type: 'bind', source: '/tmp', destination: '/m', options: ['rbind', 'idmap'] },
      'options[1]: needs mounts uidMappings/gidMappings, or a new user namespace with mappings',
    ],
    [
      'not a bind mount',
      { type: 'tmpfs', source: 'tmpfs', destination: '/m', options: ['ridmap'] },
      'options[0]: an idmapped mount must be a bind mount',
    ],
    [
      'uidMappings alone',
      {
        type: 'bind',
        source: '/tmp',
        destination: '/m',
        options: ['rbind', 'idmap'],
        uidMappings: [{ containerID: 0, hostID: 1, size: 1 }],
      },
      'gidMappings: uidMappings and gidMappings go together',
    ],
  ];
  for (const [name, mount, message] of cases) {
    const id = h.id('mntopt-idmap-bad');
    let index = -1;
    const bundle = h.bundle(id, (s) => {
      index = s.mounts!.push(mount) - 1;
    });
    const r = h.cli(['create', '--bundle', bundle, id]);
    t.equal(r.code, 1, `${name}: exit 1`);
    t.equal(r.stderr, `tsrun: config.json: mounts[${index}].${message}\n`, name);
    t.notOk(h.stateDirExists(id), `${name}: no state directory`);
  }
});

t.test('a word a bind mount cannot take is refused naming it; KEY=VALUE data is accepted, as runc', async (t) => {
  const id = h.id('mntopt-unknown');
  let index = -1;
  const bundle = h.bundle(id, (s) => {
    index = s.mounts!.push({ type: 'bind', source: '/tmp', destination: '/m', options: ['rbind', 'nosiud'] }) - 1;
  });
  const r = h.cli(['create', '--bundle', bundle, id]);
  t.equal(r.code, 1);
  t.equal(r.stderr, `tsrun: config.json: mounts[${index}].options[1]: unknown option "nosiud"\n`);
  t.notOk(h.stateDirExists(id), 'no state directory');
  // runtime-tools' mounts test gives its binds "mode=755" and "size=1k": runc passes them to
  // mount(2), which ignores data on a bind.
  const { result } = h.probe(
    (s) =>
      void s.mounts!.push({
        type: 'bind',
        source: '/tmp',
        destination: '/m',
        options: ['rbind', 'mode=755', 'size=1k'],
      }),
    ['stat', '/m'],
  );
  t.equal(result.code, 0, `data on a bind is accepted: ${result.stderr}`);
});

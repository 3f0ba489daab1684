// Root filesystem and mounts (config.md "Root", "Mounts"; config-linux.md "Rootfs Mount Propagation").
// runtime-tools: mounts, root_readonly_true (and root_readonly_false), linux_rootfs_propagation.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Harness } from './lib/harness';
import { runcDeviation, spec } from './lib/expectations';
import { mountAt, probeLines } from './lib/probe';

const h = new Harness();
t.teardown(() => h.cleanup());

t.test('mounts', async (t) => {
  const { probe: p, result } = await h.runProbe((c) => {
    c.mounts.push({
      destination: '/tmp',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=1k'],
    });
  });
  t.equal(result.code, 0, 'run', { stderr: result.stderr });
  const m = mountAt(p, '/tmp');
  const phrase = spec('config.md', 'mounts (array of objects, OPTIONAL) specifies additional mounts beyond root', [
    'mounts',
  ]);
  t.equal(m?.fstype, 'tmpfs', `/tmp is a tmpfs ${phrase}`);
  t.ok(
    m?.options.includes('nosuid'),
    `nosuid applied ${spec('config.md', 'options (array of strings, OPTIONAL) Mount options of the filesystem to be used', ['mounts'])}`,
    { m },
  );
  t.ok(m?.superOptions.includes('mode=755'), 'mode=755 passed to tmpfs', { m });
  t.ok(
    m?.superOptions.some((o: string) => /^size=4k$/.test(o)),
    'size=1k passed to tmpfs (rounded up to one page)',
    { m },
  );
  t.equal(m?.options.includes('noexec'), false, 'no option that was not asked for (noexec)');
  // maskedPaths/readonlyPaths come after the mounts; among the config's mounts /tmp is the newest.
  const others = ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys'].map(
    (d) => mountAt(p, d)?.id as number,
  );
  t.ok(
    others.every((id) => typeof id === 'number' && id < m?.id),
    `the last listed mount was made after the others ${spec('config.md', 'The runtime MUST mount entries in the listed order', ['mounts'])}`,
    { others, tmp: m?.id },
  );
});

t.test('bind mounts', async (t) => {
  const src = fs.mkdtempSync(path.join(h.work, 'bindsrc-'));
  fs.writeFileSync(path.join(src, 'hostfile'), 'from the host');
  const { output, result } = await h.runProbe((c) => {
    c.mounts.push({ destination: '/mnt/deep/bind-ro', type: 'bind', source: src, options: ['rbind', 'ro'] });
    c.mounts.push({ destination: '/mnt/bind-rw', type: 'none', source: src, options: ['bind'] });
    c.process.args = [
      'sh',
      '-c',
      '/probe stat /mnt/deep/bind-ro/hostfile; /probe write /mnt/deep/bind-ro/new x; /probe write /mnt/bind-rw/new y; /probe',
    ];
  });
  t.equal(result.code, 0, 'run', { stderr: result.stderr });
  const [st, ro, rw, p] = probeLines(output);
  const phrase = spec('config.md', 'destination (string, REQUIRED) Destination of mount point: path inside container', [
    'mounts',
  ]);
  t.equal(
    st?.['/mnt/deep/bind-ro/hostfile']?.type,
    'file',
    `the bind source is visible at a destination that did not exist in the rootfs ${phrase}`,
  );
  t.same(ro, { ok: false, errno: 'EROFS' }, 'an ro bind mount is read-only');
  t.same(rw, { ok: true }, 'a plain bind mount is writable');
  t.equal(fs.readFileSync(path.join(src, 'new'), 'utf8'), 'y', 'writes through a bind mount reach the source');
  t.ok(mountAt(p, '/mnt/deep/bind-ro')?.options.includes('ro'), 'mountinfo shows ro');
});

t.test('root_readonly_true', async (t) => {
  const { output, result } = await h.runProbe((c) => {
    c.root.readonly = true;
    c.process.args = ['sh', '-c', '/probe; /probe write /newfile x; /probe write /dev/shm/ok x'];
  });
  t.equal(result.code, 0, 'run', { stderr: result.stderr });
  const [p, w, shm] = probeLines(output);
  const phrase = spec(
    'config.md',
    'readonly (bool, OPTIONAL) If true then the root filesystem MUST be read-only inside the container',
    ['root_readonly_true'],
  );
  t.ok(mountAt(p, '/')?.options.includes('ro'), `/ is mounted ro ${phrase}`, { root: mountAt(p, '/') });
  t.same(w, { ok: false, errno: 'EROFS' }, 'writing to / fails with EROFS');
  t.same(shm, { ok: true }, 'mounts on top of a read-only root stay writable (/dev/shm)');
});

t.test('root_readonly_false', async (t) => {
  const { output, result, bundle } = await h.runProbe((c) => {
    c.root.readonly = false;
    c.process.args = ['sh', '-c', '/probe; /probe write /newfile x'];
  });
  t.equal(result.code, 0, 'run');
  const [p, w] = probeLines(output);
  t.ok(
    mountAt(p, '/')?.options.includes('rw'),
    `/ is mounted rw ${spec('config.md', 'readonly (bool, OPTIONAL) If true then the root filesystem MUST be read-only inside the container, defaults to false', ['root_readonly_false'])}`,
  );
  t.same(w, { ok: true }, 'writing to / works');
  t.equal(fs.readFileSync(path.join(bundle.rootfs, 'newfile'), 'utf8'), 'x', 'and lands in the bundle rootfs');
});

function hostRootPropagation(): string {
  const line = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === '/');
  return line ?? '';
}

t.test('linux_rootfs_propagation', async (t) => {
  const before = hostRootPropagation();
  const hostShared = /\sshared:\d+/.test(before);
  const phrase = spec(
    'config-linux.md',
    "rootfsPropagation (string, OPTIONAL) sets the rootfs's mount propagation. Its value is either shared, slave, private or unbindable",
    ['linux_rootfs_propagation'],
  );
  for (const mode of ['shared', 'slave', 'private', 'unbindable']) {
    const { probe: p, result } = await h.runProbe((c) => {
      c.linux.rootfsPropagation = mode;
    });
    const unbDev =
      mode === 'unbindable'
        ? runcDeviation(
            'with rootfsPropagation unbindable runc fails to bind-mount the rootfs ("mount rootfs:rootfs, flags: 0x5000: invalid argument")',
          )
        : {};
    t.equal(result.code, 0, `run with rootfsPropagation ${mode}`, { stderr: result.stderr, ...unbDev });
    const opt = (mountAt(p, '/')?.optional ?? []) as string[];
    const has = (re: RegExp) => opt.some((o) => re.test(o));
    if (mode === 'shared') {
      t.ok(has(/^shared:/), `/ is shared ${phrase}`, {
        optional: opt,
        ...runcDeviation(
          'runc leaves the container root private (no shared: peer group): it applies the flag to the old root and then makes the rootfs parent private before the bind mount',
        ),
      });
    } else if (mode === 'slave') {
      t.ok(mountAt(p, '/') && !has(/^shared:/), `/ is not shared (a slave does not propagate back) ${phrase}`, {
        optional: opt,
      });
      if (hostShared) t.ok(has(/^master:/), '/ is a slave of the host mount', { optional: opt });
    } else if (mode === 'private') {
      t.ok(mountAt(p, '/') && !has(/^(shared|master):/), `/ is private ${phrase}`, { optional: opt });
    } else {
      t.ok(has(/^unbindable$/), `/ is unbindable ${phrase}`, { optional: opt, ...unbDev });
    }
    t.equal(hostRootPropagation(), before, `the host's / propagation is unchanged after ${mode}`);
  }
});

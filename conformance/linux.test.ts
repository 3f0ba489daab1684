// Linux-specific container configuration (config-linux.md "Devices", "Masked Paths",
// "Readonly Paths", "Sysctl").
// runtime-tools: linux_devices, linux_masked_paths, linux_readonly_paths, linux_sysctl.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Harness } from './lib/harness';
import type { Bundle } from './lib/bundle';
import { runcDeviation, spec } from './lib/expectations';
import { mountAt, probeLines } from './lib/probe';

const h = new Harness();
t.teardown(() => h.cleanup());

t.test('linux_devices', async (t) => {
  const { probe: p, result } = await h.runProbe((c) => {
    c.linux.devices = [
      { path: '/dev/test1', type: 'c', major: 10, minor: 666, fileMode: 0o660, uid: 0, gid: 0 },
      { path: '/dev/test2', type: 'b', major: 8, minor: 666, fileMode: 0o660, uid: 0, gid: 0 },
      { path: '/dev/test3', type: 'p', major: 8, minor: 666, fileMode: 0o660 },
      { path: '/dev/sub/test4', type: 'c', major: 1, minor: 3, fileMode: 0o600, uid: 1000, gid: 1000 },
    ];
    c.process.args = ['/probe', 'stat', '/dev/test1', '/dev/test2', '/dev/test3', '/dev/sub/test4'];
  });
  t.equal(result.code, 0, 'run', { stderr: result.stderr });
  const phrase = spec(
    'config-linux.md',
    'devices (array of objects, OPTIONAL) lists devices that MUST be available in the container',
    ['linux_devices'],
  );
  t.same(
    p?.['/dev/test1'],
    { type: 'char', mode: 0o660, major: 10, minor: 666, uid: 0, gid: 0 },
    `char device c 10:666 0660 0:0 ${phrase}`,
  );
  t.same(
    p?.['/dev/test2'],
    { type: 'block', mode: 0o660, major: 8, minor: 666, uid: 0, gid: 0 },
    'block device b 8:666 0660 0:0',
  );
  t.same(
    p?.['/dev/test3'] && { type: p['/dev/test3'].type, mode: p['/dev/test3'].mode },
    { type: 'fifo', mode: 0o660 },
    'fifo 0660',
  );
  t.same(
    p?.['/dev/sub/test4'],
    { type: 'char', mode: 0o600, major: 1, minor: 3, uid: 1000, gid: 1000 },
    `uid/gid/fileMode applied, parent directory created ${spec('config-linux.md', 'uid (uint32, OPTIONAL) - id of device owner in the container namespace', ['linux_devices'])}`,
  );
});

/** mknod in the rootfs (host side), as runtime-tools' device node cases do. */
function mknod(file: string, kind: 'b' | 'c' | 'p'): void {
  const r = spawnSync('mknod', kind === 'p' ? ['-m', '0666', file, 'p'] : ['-m', '0666', file, kind, '0', '0']);
  if (r.status !== 0) throw new Error(`mknod ${file}: ${r.stderr}`);
}

/** The tree runtime-tools builds: /X-dir/X-subdir/{tmpfile,X-file}, /X-dir/X-file, /X-file. */
function makeTree(b: Bundle, x: string, content: string): string[] {
  const sub = path.join(b.rootfs, `${x}-dir`, `${x}-subdir`);
  fs.mkdirSync(sub, { recursive: true, mode: 0o777 });
  fs.writeFileSync(path.join(sub, 'tmpfile'), '');
  fs.writeFileSync(path.join(sub, `${x}-file`), content);
  fs.writeFileSync(path.join(b.rootfs, `${x}-dir`, `${x}-file`), content);
  fs.writeFileSync(path.join(b.rootfs, `${x}-file`), content);
  return [`/${x}-dir`, `/${x}-file`, `/${x}-dir/${x}-subdir`, `/${x}-dir/${x}-file`, `/${x}-dir/${x}-subdir/${x}-file`];
}

const readScript = (paths: string[]) =>
  paths
    .map(
      (p) =>
        `echo "{\\"path\\":\\"${p}\\",\\"entries\\":$(ls -A ${p} 2>/dev/null | wc -l),\\"bytes\\":$( [ -d ${p} ] && echo 0 || cat ${p} 2>/dev/null | wc -c)}"`,
    )
    .join('; ');

t.test('linux_masked_paths', async (t) => {
  const b = h.makeBundle();
  const paths = makeTree(b, 'masked', 'secrets');
  b.config.linux.maskedPaths = [...paths, ...b.config.linux.maskedPaths];
  b.config.process.args = ['sh', '-c', `${readScript([...paths, '/proc/keys'])}; /probe write /masked-dir/new x`];
  b.save();
  const { output, result } = await h.runProbe(undefined, { bundle: b });
  t.equal(result.code, 0, 'run', { stderr: result.stderr });
  const lines = probeLines(output);
  const phrase = spec(
    'config-linux.md',
    'maskedPaths (array of strings, OPTIONAL) will mask over the provided paths inside the container so that they cannot be read',
    ['linux_masked_paths'],
  );
  for (const p of [...paths, '/proc/keys']) {
    const l = lines.find((x) => x.path === p);
    const isDir = p !== '/proc/keys' && fs.statSync(path.join(b.rootfs, p)).isDirectory();
    t.equal(
      l ? (isDir ? l.entries : l.bytes) : undefined,
      0,
      `${p} shows nothing (${isDir ? 'no entries' : 'no bytes'}) ${phrase}`,
      { line: l },
    );
  }
  t.not(lines.at(-1)?.ok, true, 'nothing can be written into a masked directory');
  t.equal(
    fs.readFileSync(path.join(b.rootfs, 'masked-file'), 'utf8'),
    'secrets',
    'the masked file itself is untouched',
  );
});

t.test('linux_masked_paths: device nodes', async (t) => {
  for (const kind of ['b', 'c', 'p'] as const) {
    const b = h.makeBundle();
    mknod(path.join(b.rootfs, 'masked-device'), kind);
    b.config.linux.maskedPaths.push('/masked-device');
    b.config.process.args = ['/probe', 'stat', '/masked-device'];
    b.save();
    const { probe: p, result } = await h.runProbe(undefined, { bundle: b });
    t.equal(result.code, 0, `run with a masked ${kind} node`, { stderr: result.stderr });
    const s = p?.['/masked-device'];
    t.same(
      s && [s.type, s.major, s.minor],
      ['char', 1, 3],
      `the ${kind} node is masked (covered by /dev/null, so it reads empty) ${spec('config-linux.md', 'will mask over the provided paths inside the container so that they cannot be read', ['linux_masked_paths'])}`,
    );
  }
});

t.test('linux_readonly_paths', async (t) => {
  const b = h.makeBundle();
  const paths = makeTree(b, 'readonly', 'immutable');
  b.config.linux.readonlyPaths = [...paths, ...b.config.linux.readonlyPaths];
  const writes = [
    '/readonly-file',
    '/readonly-dir/readonly-file',
    '/readonly-dir/new',
    '/readonly-dir/readonly-subdir/readonly-file',
    '/readonly-dir/readonly-subdir/new',
  ];
  b.config.process.args = [
    'sh',
    '-c',
    `${writes.map((w) => `/probe write ${w} changed`).join('; ')}; ${readScript(['/readonly-file', '/readonly-dir/readonly-subdir/readonly-file'])}; /probe`,
  ];
  b.save();
  const { output, result } = await h.runProbe(undefined, { bundle: b });
  t.equal(result.code, 0, 'run', { stderr: result.stderr });
  const lines = probeLines(output);
  const phrase = spec(
    'config-linux.md',
    'readonlyPaths (array of strings, OPTIONAL) will set the provided paths as readonly inside the container',
    ['linux_readonly_paths'],
  );
  for (const [i, w] of writes.entries())
    t.same(lines[i], { ok: false, errno: 'EROFS' }, `write ${w} fails with EROFS ${phrase}`);
  t.equal(lines.find((l) => l.path === '/readonly-file')?.bytes, 9, 'a read-only file is still readable');
  t.equal(
    lines.find((l) => l.path === '/readonly-dir/readonly-subdir/readonly-file')?.bytes,
    9,
    'a file under a read-only dir is still readable',
  );
  const p = lines.at(-1);
  for (const x of paths)
    t.ok(
      mountAt(p, x)?.options.includes('ro') ?? mountAt(p, '/readonly-dir')?.options.includes('ro'),
      `${x} is (under) a ro mount`,
    );
  t.equal(fs.readFileSync(path.join(b.rootfs, 'readonly-file'), 'utf8'), 'immutable', 'the file is unchanged');
});

t.test('linux_readonly_paths: device nodes', async (t) => {
  for (const kind of ['b', 'c', 'p'] as const) {
    const b = h.makeBundle();
    mknod(path.join(b.rootfs, 'readonly-device'), kind);
    b.config.linux.readonlyPaths.push('/readonly-device');
    b.save();
    const { probe: p, result } = await h.runProbe(undefined, { bundle: b });
    t.equal(result.code, 0, `run with a read-only ${kind} node`, { stderr: result.stderr });
    t.ok(
      mountAt(p, '/readonly-device')?.options.includes('ro'),
      `the ${kind} node is a read-only mount ${spec('config-linux.md', 'will set the provided paths as readonly inside the container', ['linux_readonly_paths'])}`,
    );
  }
});

t.test('masked/readonly paths must be absolute', async (t) => {
  for (const [field, rel] of [
    ['maskedPaths', 'masked-relpath'],
    ['readonlyPaths', 'readonly-relpath'],
  ] as const) {
    const b = h.makeBundle();
    fs.writeFileSync(path.join(b.rootfs, rel), 'secrets');
    b.config.linux[field].push(rel);
    b.config.process.args = ['/probe', 'write', '/ran', 'yes'];
    b.save();
    const r = h.cli(['run', '--bundle', b.dir, b.id]);
    t.not(
      r.code,
      0,
      `a relative ${field} entry is an error ${spec('config-linux.md', 'The values MUST be absolute paths in the container namespace', ['linux_masked_paths', 'linux_readonly_paths'])}`,
      runcDeviation(
        `runc accepts a relative ${field} entry (runtime-tools' check of this is vacuous: it errors in its own setup)`,
      ),
    );
    h.cli(['delete', '--force', b.id]);
  }
});

t.test('masked/readonly symlinks do not escape the rootfs', async (t) => {
  for (const field of ['maskedPaths', 'readonlyPaths'] as const) {
    const b = h.makeBundle();
    const link = `/${field}-symlink`;
    fs.symlinkSync(`../..${link}`, path.join(b.rootfs, link));
    const outside = path.join(path.dirname(b.dir), `${field}-symlink`);
    b.config.linux[field].push(link);
    b.save();
    const before = fs.readdirSync(path.dirname(b.dir)).sort();
    const r = h.cli(['run', '--bundle', b.dir, b.id]);
    h.cli(['delete', '--force', b.id]);
    t.notOk(
      fs.existsSync(outside),
      `a ${field} symlink pointing out of the rootfs did not create ${outside} (exit ${r.code}) ${spec('config.md', "root (object, REQUIRED) specifies the container's root filesystem", ['linux_masked_paths', 'linux_readonly_paths'])}`,
    );
    t.same(fs.readdirSync(path.dirname(b.dir)).sort(), before, 'nothing appeared next to the bundle');
  }
});

t.test('linux_sysctl', async (t) => {
  const hostFwd = fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
  const want = hostFwd === '1' ? '0' : '1';
  const { probe: p, result } = await h.runProbe((c) => {
    c.linux.sysctl = { 'net.ipv4.ip_forward': want, 'kernel.shm_rmid_forced': '1', 'net.ipv4.ip_default_ttl': '42' };
    c.process.args = ['/probe', 'sysctl', 'net.ipv4.ip_forward', 'kernel.shm_rmid_forced', 'net.ipv4.ip_default_ttl'];
  });
  t.equal(result.code, 0, 'run', { stderr: result.stderr });
  const phrase = spec(
    'config-linux.md',
    'sysctl (object, OPTIONAL) allows kernel parameters to be modified at runtime for the container',
    ['linux_sysctl'],
  );
  t.equal(p?.sysctl?.['net.ipv4.ip_forward'], want, `net.ipv4.ip_forward=${want} ${phrase}`);
  t.equal(p?.sysctl?.['kernel.shm_rmid_forced'], '1', 'kernel.shm_rmid_forced=1 (ipc namespace)');
  t.equal(p?.sysctl?.['net.ipv4.ip_default_ttl'], '42', 'net.ipv4.ip_default_ttl=42');
  t.equal(fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), hostFwd, 'the host value is unchanged');

  const bad = h.makeBundle((c) => {
    c.linux.sysctl = { 'net.ipv4.no_such_sysctl_tsrun': '1' };
    c.process.args = ['/probe', 'write', '/ran', 'yes'];
  });
  t.not(h.cli(['run', '--bundle', bad.dir, bad.id]).code, 0, 'a sysctl that does not exist is an error');
  t.notOk(fs.existsSync(path.join(bad.rootfs, 'ran')), 'the process did not run');
  h.cli(['delete', '--force', bad.id]);
});

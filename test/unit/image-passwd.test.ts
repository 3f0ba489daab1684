// The image's /etc/passwd, read by the runtime process: addon readFileInRoot (openat2
// RESOLVE_IN_ROOT, regular files only, bounded) and the cut to whole lines.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { boundedLines, PASSWD_MAX, readImagePasswd } from '../../src/container/image-passwd';
import { native } from '../../src/sys/native';

const addon = native();

function rootfs(t: any): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-root-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'etc'));
  return dir;
}

const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

t.test('boundedLines: whole lines only when the limit cut the data', async (t) => {
  t.equal(boundedLines(Buffer.from('a\nb\n'), 4), 'a\nb\n', 'exactly the limit: kept');
  t.equal(boundedLines(Buffer.from('a\nb'), 8), 'a\nb', 'shorter: kept as it is');
  t.equal(boundedLines(Buffer.from('a\nbc\n'), 4), 'a\n', 'over the limit: the cut line is dropped');
  t.equal(boundedLines(Buffer.from('abcdef'), 4), '', 'no whole line within the limit');
});

t.test('readFileInRoot: a regular file, bounded by maxBytes', async (t) => {
  const r = rootfs(t);
  fs.writeFileSync(path.join(r, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
  t.equal(text(addon.readFileInRoot(r, 'etc/passwd', 1024)), 'root:x:0:0::/root:/bin/sh\n');
  t.equal(text(addon.readFileInRoot(r, '/etc/passwd', 4)), 'root', 'at most maxBytes');
  t.equal(text(addon.readFileInRoot(r, 'etc/passwd', 0)), '');
  fs.writeFileSync(path.join(r, 'etc', 'passwd'), 'x'.repeat(1 << 20));
  t.equal(addon.readFileInRoot(r, 'etc/passwd', PASSWD_MAX + 1)!.length, PASSWD_MAX + 1);
});

t.test('readFileInRoot: symlinks resolve inside the rootfs', async (t) => {
  const r = rootfs(t);
  fs.writeFileSync(path.join(r, 'etc', 'shadow'), 'inside');
  fs.symlinkSync('/etc/shadow', path.join(r, 'etc', 'abs'));
  fs.symlinkSync('../../../../../../../../../etc/shadow', path.join(r, 'etc', 'rel'));
  t.equal(text(addon.readFileInRoot(r, 'etc/abs', 64)), 'inside', "an absolute target is the image's");
  t.equal(text(addon.readFileInRoot(r, 'etc/rel', 64)), 'inside', '".." stops at the rootfs');
  t.equal(text(addon.readFileInRoot(r, '../../../../etc/shadow', 64)), 'inside', 'so does ".." in the path asked for');
});

t.test('readFileInRoot: absent, unreachable or not a regular file -> null', async (t) => {
  const r = rootfs(t);
  t.equal(addon.readFileInRoot(r, 'etc/passwd', 64), null, 'missing');
  fs.symlinkSync('/nowhere', path.join(r, 'etc', 'dangling'));
  t.equal(addon.readFileInRoot(r, 'etc/dangling', 64), null, 'dangling symlink');
  fs.symlinkSync('loop', path.join(r, 'etc', 'loop'));
  t.equal(addon.readFileInRoot(r, 'etc/loop', 64), null, 'symlink loop (ELOOP)');
  fs.writeFileSync(path.join(r, 'etc', 'file'), 'x');
  t.equal(addon.readFileInRoot(r, 'etc/file/passwd', 64), null, 'a file as a directory (ENOTDIR)');
  fs.mkdirSync(path.join(r, 'etc', 'dir'));
  t.equal(addon.readFileInRoot(r, 'etc/dir', 64), null, 'directory');
});

t.test('readFileInRoot: a FIFO is never opened (a writer waiting for a reader stays waiting)', async (t) => {
  const r = rootfs(t);
  const fifo = path.join(r, 'etc', 'passwd');
  require('node:child_process').spawnSync('mkfifo', [fifo]);
  const writer = spawn('sh', ['-c', `echo x > ${fifo}`], { stdio: 'ignore' });
  t.teardown(() => writer.kill('SIGKILL'));
  const waiting = () => {
    try {
      return fs.readFileSync(`/proc/${writer.pid}/wchan`, 'utf8') === 'wait_for_partner';
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 500 && !waiting(); i++) await new Promise((res) => setTimeout(res, 10));
  t.ok(waiting(), 'the writer waits in open for a reader');
  t.equal(addon.readFileInRoot(r, 'etc/passwd', 64), null);
  await new Promise((res) => setTimeout(res, 100));
  t.equal(writer.exitCode, null, 'the writer still waits: the FIFO was not opened');
  t.ok(waiting());
});

t.test('readFileInRoot: argument and rootfs errors', async (t) => {
  t.throws(() => addon.readFileInRoot('/nonexistent-rootfs', 'etc/passwd', 64), {
    code: 'ERR_TSRUN_SYSCALL',
    message: /open \/nonexistent-rootfs: no such file or directory/,
  });
  t.throws(() => addon.readFileInRoot('/', 'etc/passwd', -1), TypeError);
  t.throws(() => addon.readFileInRoot('/', '', 1), TypeError);
});

t.test('readImagePasswd: the first 64 KiB in whole lines', async (t) => {
  const r = rootfs(t);
  t.equal(readImagePasswd(addon, r), null);
  const head = 'root:x:0:0::/root:/bin/sh\n';
  fs.writeFileSync(path.join(r, 'etc', 'passwd'), head + 'u:x:1:1::/home/u:/bin/sh\n'.repeat(10_000));
  const got = readImagePasswd(addon, r)!;
  t.ok(got.startsWith(head));
  t.ok(got.length <= PASSWD_MAX && got.endsWith('\n'), 'bounded, ends with a whole line');
});

// HOME comes from the image's /etc/passwd, and the image is hostile: the file is read
// inside the rootfs (openat2 RESOLVE_IN_ROOT), only if it is a regular file, and bounded.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { harness } from '../helpers/harness';

const h = harness(t);
const tmp = path.dirname(h.root);

/** Runs the probe as uid 1000 (tester, HOME /home/tester in the stock image) after
 * `plant` has changed the rootfs; returns the HOME it was given. */
function homeWith(t: any, plant: (rootfs: string) => void): string | undefined {
  const id = h.id('passwd');
  const bundle = h.bundle(id, (s) => (s.process!.user = { uid: 1000, gid: 1000 }));
  const rootfs = path.join(bundle, 'rootfs');
  fs.rmSync(path.join(rootfs, 'etc', 'passwd'));
  plant(rootfs);
  const r = h.cli(['run', '--bundle', bundle, id], { timeout: 20_000, killSignal: 'SIGKILL' });
  t.equal(r.code, 0, `run completes: ${r.stderr}`);
  t.notOk(h.stateDirExists(id), 'no state left');
  t.same(h.cgroupsLeft(id), [], 'no cgroup left');
  let env: string[] = [];
  try {
    env = JSON.parse(r.stdout).env;
  } catch {
    t.fail(`no probe output: ${r.stdout}`);
  }
  return env.find((e) => e.startsWith('HOME='))?.slice(5);
}

const line = (home: string) => `root:x:0:0:root:/root:/bin/sh\ntester:x:1000:1000:tester:${home}:/bin/sh\n`;

t.test('a FIFO at /etc/passwd: create does not wait on it; HOME=/', async (t) => {
  t.equal(
    homeWith(t, (r) => spawnSync('mkfifo', [path.join(r, 'etc', 'passwd')])),
    '/',
  );
});

t.test('a directory at /etc/passwd: HOME=/', async (t) => {
  t.equal(
    homeWith(t, (r) => fs.mkdirSync(path.join(r, 'etc', 'passwd'))),
    '/',
  );
});

t.test('a device node at /etc/passwd is not opened: HOME=/', async (t) => {
  t.equal(
    homeWith(t, (r) => spawnSync('mknod', ['-m', '644', path.join(r, 'etc', 'passwd'), 'c', '1', '3'])),
    '/',
  );
});

t.test('a dangling symlink at /etc/passwd: HOME=/', async (t) => {
  t.equal(
    homeWith(t, (r) => fs.symlinkSync('/nowhere', path.join(r, 'etc', 'passwd'))),
    '/',
  );
});

t.test('a relative symlink climbing out of the rootfs resolves inside it', async (t) => {
  // On the host, rootfs/etc/../../../../ is the harness tmpdir: plant a decoy there.
  fs.mkdirSync(path.join(tmp, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'etc', 'image-passwd'), line('/home/OUTSIDE'));
  const home = homeWith(t, (r) => {
    fs.writeFileSync(path.join(r, 'etc', 'image-passwd'), line('/home/inside-relative'));
    fs.symlinkSync('../../../../etc/image-passwd', path.join(r, 'etc', 'passwd'));
  });
  t.equal(home, '/home/inside-relative');
});

t.test('an absolute symlink resolves inside the rootfs', async (t) => {
  const home = homeWith(t, (r) => {
    fs.writeFileSync(path.join(r, 'etc', 'shadow'), line('/home/inside-absolute'));
    fs.symlinkSync('/etc/shadow', path.join(r, 'etc', 'passwd'));
  });
  t.equal(home, '/home/inside-absolute', "the image's /etc/shadow, not the host's");
});

t.test('a 10 MB /etc/passwd: only the first 64 KiB are read', async (t) => {
  const filler = 'user:x:5000:5000::/home/user:/bin/sh\n'.repeat(Math.ceil((10 << 20) / 37));
  t.equal(
    homeWith(t, (r) => fs.writeFileSync(path.join(r, 'etc', 'passwd'), line('/home/early') + filler)),
    '/home/early',
    'an entry in the first 64 KiB is found',
  );
  t.equal(
    homeWith(t, (r) => fs.writeFileSync(path.join(r, 'etc', 'passwd'), filler + line('/home/late'))),
    '/',
    'an entry past 64 KiB is not',
  );
});

// The child's mounts and root: a failing mount reports its plan index and errno, mount
// destinations resolve inside the rootfs (dangling links, loops, .. above the root), and
// noPivot roots the container by moving the rootfs to / and chroot.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import {
  basePlan,
  c,
  describe,
  drive,
  ELOOP,
  ENOENT,
  MS_BIND,
  MS_REC,
  mount,
  N,
  readOut,
  requireRoot,
  runPlan,
  sandbox,
  waitExit,
} from '../helpers/addon-child';
import { harness } from '../helpers/harness';

t.before(requireRoot);
// Checks after every test that no child it cloned is left running.
harness(t);

t.test('spawn: a mount whose source is missing fails at Mount with its index and ENOENT', async (t) => {
  const sb = sandbox(t);
  const plan = basePlan(sb);
  // Position 3 in the array, index 7 in config.json: the error must carry 7.
  plan.mounts[3] = mount(7, {
    source: path.join(sb.top, 'no-such-dir'),
    destination: '/missing',
    flags: MS_BIND | MS_REC,
    sourceIsPath: true,
  });
  const d = await drive(sb, plan);
  t.equal(d.last.type, c('SyncType_Error'), `error reported (${describe(d.last)})`);
  t.equal(d.last.step, c('ChildStep_Mount'), 'step Mount');
  t.equal(d.last.index, 7, 'index from the plan entry');
  t.equal(d.last.errno, ENOENT, 'ENOENT');
  t.equal(d.last.detail, path.join(sb.top, 'no-such-dir'), 'detail names the source');
  t.same(await waitExit(sb, d), { code: 1, signal: 0 }, 'child exited 1');
  t.notOk(fs.existsSync(`/proc/${d.pid}`), 'no leftover init');
  t.notOk(d.intermediate !== undefined && fs.existsSync(`/proc/${d.intermediate}`), 'no leftover intermediate');
  // Our own pidfd never becomes readable: only the socket can answer.
  const self = sb.track(N.pidfdOpen(process.pid));
  const after = N.syncRecv(d.syncFd, self, 1000);
  t.equal(after.step, c('ChildStep_Sync'), 'sync socket then reports the child gone (EOF)');
});

const MOUNTS_SCRIPT = 'cat /proc/self/mounts > /out/mounts; echo done > /out/done';

t.test('spawn: a mount under a dangling relative symlink is created at its target in the rootfs', async (t) => {
  const sb = sandbox(t);
  fs.mkdirSync(path.join(sb.rootfs, 'var'));
  fs.symlinkSync('../run', path.join(sb.rootfs, 'var', 'run'));
  const plan = basePlan(sb, { args: ['sh', '-c', MOUNTS_SCRIPT] });
  plan.mounts.push(mount(5, { source: 'tmpfs', destination: '/var/run/x/y', fstype: 'tmpfs' }));
  await runPlan(sb, plan, t);
  t.ok(fs.lstatSync(path.join(sb.rootfs, 'var', 'run')).isSymbolicLink(), 'the link is left as it was');
  t.ok(fs.statSync(path.join(sb.rootfs, 'run', 'x', 'y')).isDirectory(), 'created at <rootfs>/run/x/y');
  t.match(readOut(sb, 'mounts'), /^tmpfs \/run\/x\/y tmpfs /m, 'the tmpfs is mounted at /run/x/y');
});

t.test('spawn: a symlink loop on a mount destination fails at Mount with ELOOP', async (t) => {
  const sb = sandbox(t);
  fs.symlinkSync('/b', path.join(sb.rootfs, 'a'));
  fs.symlinkSync('/a', path.join(sb.rootfs, 'b'));
  const plan = basePlan(sb);
  plan.mounts.push(mount(9, { source: 'tmpfs', destination: '/a/x', fstype: 'tmpfs' }));
  const d = await drive(sb, plan);
  t.equal(d.last.type, c('SyncType_Error'), `error reported (${describe(d.last)})`);
  t.equal(d.last.step, c('ChildStep_Mount'), 'step Mount');
  t.equal(d.last.index, 9, 'index from the plan entry');
  t.equal(d.last.errno, ELOOP, 'ELOOP');
  t.equal(d.last.detail, '/a/x', 'detail names the destination');
  t.same(await waitExit(sb, d), { code: 1, signal: 0 }, 'child exited 1');
  t.notOk(fs.existsSync(`/proc/${d.pid}`), 'no leftover init');
  t.notOk(d.intermediate !== undefined && fs.existsSync(`/proc/${d.intermediate}`), 'no leftover intermediate');
});

t.test('spawn: a symlink climbing above the root with .. keeps the mount inside the rootfs', async (t) => {
  const sb = sandbox(t);
  // No /etc in the rootfs: the link dangles, so the runtime must create what it names.
  fs.rmdirSync(path.join(sb.rootfs, 'etc'));
  fs.symlinkSync('../../../../etc', path.join(sb.rootfs, 'up'));
  const name = `tsrun-test-up-${process.pid}`;
  t.notOk(fs.existsSync(path.join('/etc', name)), 'host /etc has no such entry before');
  const plan = basePlan(sb, { args: ['sh', '-c', MOUNTS_SCRIPT] });
  plan.mounts.push(mount(5, { source: 'tmpfs', destination: `/up/${name}/m`, fstype: 'tmpfs' }));
  await runPlan(sb, plan, t);
  t.notOk(fs.existsSync(path.join('/etc', name)), 'nothing created in the host /etc');
  t.ok(fs.statSync(path.join(sb.rootfs, 'etc', name, 'm')).isDirectory(), 'created at <rootfs>/etc/NAME/m');
  t.match(readOut(sb, 'mounts'), new RegExp(`^tmpfs /etc/${name}/m tmpfs `, 'm'), 'mounted at /etc/NAME/m');
});

t.test('spawn: noPivot moves the rootfs to / and chroots; domainname is set', async (t) => {
  const sb = sandbox(t);
  const script = 'cat /proc/sys/kernel/domainname > /out/domainname; ls / > /out/root; echo done > /out/done';
  await runPlan(sb, basePlan(sb, { noPivot: true, domainname: 'example.org', args: ['sh', '-c', script] }), t);
  t.equal(readOut(sb, 'done').trim(), 'done', 'script ran to the end');
  t.equal(readOut(sb, 'domainname').trim(), 'example.org', 'domainname set');
  t.match(readOut(sb, 'root'), /^bin$/m, 'the rootfs is /');
});

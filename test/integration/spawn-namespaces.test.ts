// The addon's child through the whole sync ladder as create drives it, with new
// namespaces (mnt, uts, ipc, pid, net) and then a user namespace whose mappings it asks
// for: everything the plan sets up, as the container sees it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import {
  basePlan,
  CAPS,
  CLONE_NEWUSER,
  capHex,
  drive,
  readOut,
  requireRoot,
  runToExit,
  sandbox,
  statusField,
  USERNS_BASE,
} from '../helpers/addon-child';
import { harness } from '../helpers/harness';

t.before(requireRoot);
// Checks after every test that no child it cloned is left running.
harness(t);

t.test('spawn: a container with new namespaces runs through the whole ladder', async (t) => {
  const sb = sandbox(t);
  const fifoFd = sb.execFifo();
  const d = await drive(sb, basePlan(sb, { fifoFd }));
  t.ok(d.intermediate !== undefined && d.intermediate !== d.pid, 'a pid namespace forks the init');
  await runToExit(sb, d, t);

  t.equal(readOut(sb, 'done').trim(), 'done', 'script ran to the end');
  t.equal(readOut(sb, 'hostname').trim(), 'tsrun-test', 'hostname set in the new uts ns');
  t.equal(readOut(sb, 'pid').trim(), '1', 'the init is pid 1 in its pid ns');
  t.equal(readOut(sb, 'nofile').trim(), '1024', 'RLIMIT_NOFILE applied');
  t.equal(readOut(sb, 'ip_forward').trim(), '1', 'sysctl written in the new net ns');
  t.equal(readOut(sb, 'procsys').trim(), 'readonly', '/proc/sys is read-only');
  t.equal(readOut(sb, 'ro').trim(), 'readonly', 'bind mount remounted read-only');
  t.equal(readOut(sb, 'root').trim(), 'readonly', 'root is read-only');
  t.equal(readOut(sb, 'devnull').trim(), 'character special file 1:3 666', '/dev/null made with mode 0666');
  t.equal(readOut(sb, 'devfd').trim(), '/proc/self/fd', '/dev/fd symlink created');
  t.ok(fs.statSync('/proc/timer_list').isFile(), 'host has /proc/timer_list');
  t.equal(readOut(sb, 'timer_list').trim(), '0', '/proc/timer_list masked by /dev/null');
  t.equal(readOut(sb, 'secret').trim(), '', 'masked directory is empty');
  // Only stdio (and the directory ls itself reads, which procfs may or may not list).
  const fds = readOut(sb, 'fds').trim().split(/\s+/).map(Number);
  t.ok(fds.includes(1) && fds.every((fd) => fd <= 3), `no runtime fd reaches the container (${fds.join(' ')})`);

  const status = readOut(sb, 'status');
  t.equal(statusField(status, 'CapBnd'), capHex(CAPS), 'bounding set dropped to the plan');
  t.equal(statusField(status, 'CapEff'), capHex(CAPS), 'effective set');
  t.equal(statusField(status, 'CapPrm'), capHex(CAPS), 'permitted set');
  t.equal(statusField(status, 'NoNewPrivs'), '1', 'no_new_privs set');
  t.equal(statusField(status, 'Groups'), '10', 'supplementary groups replaced');
  t.match(statusField(status, 'Uid'), /^0\s+0\s+0\s+0$/, 'uid 0');
  t.equal(statusField(status, 'SigIgn'), '0000000000000000', 'no signal ignored (Node ignores SIGPIPE)');
  t.equal(statusField(status, 'SigBlk'), '0000000000000000', 'signal mask empty at exec');

  const mounts = readOut(sb, 'mounts');
  t.match(mounts, /^tmpfs \/dev tmpfs rw,nosuid,/m, '/dev is a nosuid tmpfs');
  t.match(mounts, /^\S+ \/ro \S+ ro,nosuid,nodev/m, '/ro read-only with nosuid,nodev');
  t.match(mounts, /^devpts \/dev\/pts devpts /m, 'devpts mounted');
  t.notMatch(mounts, new RegExp(sb.top.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'host paths not visible');
});

t.test('spawn: a user namespace with mappings asks for them and runs as mapped root', async (t) => {
  const sb = sandbox(t, USERNS_BASE);
  const fifoFd = sb.execFifo();
  const base = basePlan(sb);
  const plan = basePlan(sb, {
    fifoFd,
    newNamespaces: base.newNamespaces | CLONE_NEWUSER,
    hasUserMappings: true,
    // mknod is refused in a user namespace: bind the host's node.
    devices: base.devices.map((dv) => ({ ...dv, bindFromHost: true })),
  });
  let askedFor = 0;
  const d = await drive(sb, plan, (pid) => {
    askedFor = pid;
    fs.writeFileSync(`/proc/${pid}/uid_map`, `0 ${USERNS_BASE} 65536\n`);
    fs.writeFileSync(`/proc/${pid}/gid_map`, `0 ${USERNS_BASE} 65536\n`);
  });
  t.equal(askedFor, d.intermediate, 'NeedIdMaps carries the child pid');
  await runToExit(sb, d, t);

  t.equal(readOut(sb, 'done').trim(), 'done', 'script ran to the end');
  const st = fs.statSync(path.join(sb.out, 'done'));
  t.equal(st.uid, USERNS_BASE, 'files are made by the mapped root');
  const status = readOut(sb, 'status');
  t.match(statusField(status, 'Uid'), /^0\s+0\s+0\s+0$/, 'uid 0 inside');
  t.equal(statusField(status, 'Groups'), '10', 'groups set inside the user ns');
  t.equal(statusField(status, 'CapEff'), capHex(CAPS), 'caps applied');
  t.equal(readOut(sb, 'ro').trim(), 'readonly', 'read-only remount keeps the locked flags');
  t.equal(readOut(sb, 'procsys').trim(), 'readonly', '/proc/sys read-only in the user ns');
  t.equal(readOut(sb, 'timer_list').trim(), '0', '/proc/timer_list masked with the host /dev/null');
  t.equal(readOut(sb, 'devnull').trim(), 'character special file 1:3 666', 'host /dev/null bound');
});

// The process the child execs: its user, groups, capabilities and umask, its cwd (made
// when missing), and its program: a failed lookup is an Error at LookupExec, a failed
// execve after Ready exits 127.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import {
  basePlan,
  c,
  CAPS,
  capHex,
  describe,
  drive,
  ENOENT,
  N,
  readOut,
  requireRoot,
  runPlan,
  sandbox,
  statusField,
  TIMEOUT_MS,
  waitExit,
} from '../helpers/addon-child';
import { harness } from '../helpers/harness';

t.before(requireRoot);
// Checks after every test that no child it cloned is left running.
harness(t);

t.test('spawn: a missing cwd is created by root and entered by the user', async (t) => {
  const sb = sandbox(t);
  fs.chmodSync(sb.out, 0o777);
  const script = 'readlink /proc/self/cwd > /out/cwd; echo done > /out/done';
  // uid 1000 could not create /work itself, and the root is read-only: made before both.
  await runPlan(
    sb,
    basePlan(sb, { uid: 1000, gid: 1000, additionalGids: [], cwd: '/work/dir', args: ['sh', '-c', script] }),
    t,
  );
  t.equal(readOut(sb, 'done').trim(), 'done', 'script ran to the end');
  t.equal(readOut(sb, 'cwd').trim(), '/work/dir', 'the process runs in /work/dir');
  for (const p of ['work', 'work/dir']) {
    const st = fs.statSync(path.join(sb.rootfs, p));
    t.ok(st.isDirectory(), `${p} is a directory`);
    t.same([st.uid, st.gid, st.mode & 0o777], [0, 0, 0o755], `${p} is root's, 0755`);
  }
});

t.test('spawn: a missing program fails at LookupExec with ENOENT', async (t) => {
  for (const arg0 of ['no-such-program', '/bin/no-such-program']) {
    const sb = sandbox(t);
    const d = await drive(sb, basePlan(sb, { args: [arg0] }));
    t.equal(d.last.type, c('SyncType_Error'), `${arg0}: error reported (${describe(d.last)})`);
    t.equal(d.last.step, c('ChildStep_LookupExec'), `${arg0}: step LookupExec`);
    t.equal(d.last.errno, ENOENT, `${arg0}: ENOENT`);
    t.equal(d.last.detail, arg0, `${arg0}: detail is args[0]`);
    t.equal(d.last.index, -1, `${arg0}: no index`);
    t.same(await waitExit(sb, d), { code: 1, signal: 0 }, `${arg0}: child exited 1`);
  }
});

t.test('spawn: an execve failure after Ready exits 127, the sync socket already closed', async (t) => {
  const sb = sandbox(t);
  // Executable but not a program: execve fails with ENOEXEC only at the very end.
  const bad = path.join(sb.rootfs, 'bin', 'not-a-program');
  fs.writeFileSync(bad, 'garbage\n', { mode: 0o755 });
  const d = await drive(sb, basePlan(sb, { args: ['not-a-program'] }));
  t.equal(d.last.type, c('SyncType_Ready'), 'lookup succeeds: it is an executable file');
  // The sync socket is a runtime fd: closed for real before execve, so the failure is
  // told on the container's stderr only (exec.cc fail_late).
  const m = N.syncRecv(d.syncFd, d.pidfd, TIMEOUT_MS);
  t.match(m, { type: c('SyncType_Error'), step: c('ChildStep_Sync'), detail: 'child exited' });
  t.same(await waitExit(sb, d), { code: 127, signal: 0 }, 'exit status 127');
});

t.test('spawn: a non-root user keeps only the ambient capabilities it was given', async (t) => {
  const sb = sandbox(t);
  fs.chmodSync(sb.out, 0o777);
  const NET_BIND = 1n << 10n;
  const plan = basePlan(sb, {
    uid: 1000,
    gid: 1001,
    additionalGids: [1002, 1003],
    umask: 0o077,
    capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS, inheritable: NET_BIND, ambient: NET_BIND },
    args: ['sh', '-c', 'cat /proc/self/status > /out/status; echo x > /out/file; echo done > /out/done'],
  });
  await runPlan(sb, plan, t);
  const status = readOut(sb, 'status');
  t.match(statusField(status, 'Uid'), /^1000\s+1000\s+1000\s+1000$/, 'uid 1000');
  t.match(statusField(status, 'Gid'), /^1001\s+1001\s+1001\s+1001$/, 'gid 1001');
  t.equal(statusField(status, 'Groups'), '1002 1003', 'additional gids');
  t.equal(statusField(status, 'CapAmb'), capHex(NET_BIND), 'ambient set raised');
  t.equal(statusField(status, 'CapEff'), capHex(NET_BIND), 'effective = ambient after exec');
  t.equal(statusField(status, 'CapBnd'), capHex(CAPS), 'bounding set');
  const f = fs.statSync(path.join(sb.out, 'file'));
  t.equal(f.uid, 1000, 'file owner');
  t.equal(f.mode & 0o777, 0o600, 'umask 077 applied');
});

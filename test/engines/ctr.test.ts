// containerd 1.6 driven by `ctr` with the runtime under test as the runc v2 shim's binary
// (`ctr run --runc-binary`; the daemon config's BinaryName is a CRI option, not used here).
// One private daemon for the file (test/engines/lib/ctr.ts), a leak check at the end
// (test/engines/lib/ctr-leaks.ts). containerd's default spec already gives RLIMIT_NOFILE
// 1024/1024, which this host can set without CAP_SYS_RESOURCE; a test checks it stays so.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { repo, waitFor } from '../helpers/harness';
import { cgroupMountPoints, inCgroup } from '../helpers/leftovers';
import {
  Containerd,
  containerdMaskedPaths,
  containerdReadonlyPaths,
  engineRuntime,
  image,
  makeImageArchive,
} from './lib/ctr';
import { ctrLeftovers, removeAll, type Scope } from './lib/ctr-leaks';

const ctd = new Containerd();
t.comment(`runtime under test: ${engineRuntime}`);
const scope: Scope = {
  dir: ctd.dir,
  pidFile: ctd.pidFile,
  cgroupParent: ctd.cgroupParent,
  namespace: ctd.namespace,
  hostRun: '/run/containerd',
};

t.teardown(async () => {
  await ctd.stop();
  removeAll(scope);
});

/** The host directory of container `id`'s cgroup in the v1 hierarchy of `controller`. */
function cgroupFile(controller: string, id: string, file: string): string {
  const mp = cgroupMountPoints().find((m) => path.basename(m).split(',').includes(controller));
  return path.join(mp ?? '/nonexistent', ctd.cgroupParent, id, file);
}

/** `task ls` as id -> status. */
function taskStatus(id: string): string | undefined {
  const line = ctd
    .ctr(['task', 'ls'])
    .stdout.split('\n')
    .find((l) => l.split(/\s+/)[0] === id);
  return line?.trim().split(/\s+/)[2];
}

/** Remove a stopped task and its container record. */
function removeContainer(id: string): void {
  ctd.ctr(['task', 'delete', id]);
  ctd.ctr(['container', 'delete', id]);
}

interface PtyResult {
  output: string;
  status: number;
}

/** Run ctr under a new pseudo-terminal (test/helpers/pty-run.py) driven by `steps`. */
function underPty(steps: object[], ctrArgs: string[]): PtyResult {
  const r = spawnSync(
    'python3',
    [
      path.join(repo, 'test', 'helpers', 'pty-run.py'),
      '--rows',
      '30',
      '--cols',
      '100',
      JSON.stringify(steps),
      '--',
      'ctr',
      '--address',
      ctd.socket,
      '--namespace',
      ctd.namespace,
      ...ctrArgs,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`pty-run: ${r.stderr}`);
  return JSON.parse(r.stdout) as PtyResult;
}

// Not an interactive shell: busybox ash's line editing asks the terminal for the cursor
// position, and typing races that (unanswered) query; a read through the terminal does not.
// ctr sets the terminal's size after the process has started (both runtimes: the process
// can see 0x0 first), so the script waits for a size before it prints it.
const onTerminal = [
  'sh',
  '-c',
  'tty; read line; while :; do s=$(stty size 2>/dev/null); case $s in [1-9]*) break; esac; sleep 0.1; done; ' +
    'echo "size $s"; echo "got $line"; exit 5',
];
const typing = [{ expect: '/dev/pts/' }, { send: 'typed\r' }, { expect: 'got typed' }];
const onTerminalOutput = /\/dev\/pts\/\d+\r?\r\n(typed\r?\r\n)?size 30 100\r?\r\ngot typed/;

t.test('a private containerd starts and imports an OCI archive made from build/rootfs', async (t) => {
  await ctd.start();
  const archive = makeImageArchive(ctd.dir);
  const r = ctd.ctr(['images', 'import', '--base-name', 'localhost/busybox', archive]);
  t.equal(r.code, 0, r.stderr);
  t.match(ctd.ctr(['images', 'ls', '-q']).stdout, /^localhost\/busybox:busybox$/m, 'the image is listed');
});

t.test('the leak checks see the running daemon and planted processes, cgroups, mounts and state', async (t) => {
  t.match(ctrLeftovers(scope), [/^daemon pid \d+/], 'the daemon is alive');
  const mp = cgroupMountPoints().find((m) => m.endsWith('/pids')) ?? (cgroupMountPoints()[0] as string);
  const cgroup = path.join(mp, ctd.cgroupParent, 'planted');
  fs.mkdirSync(cgroup, { recursive: true });
  const sleeper = spawn('sleep', ['1000'], { stdio: 'ignore' });
  const pid = sleeper.pid as number;
  fs.writeFileSync(path.join(cgroup, 'cgroup.procs'), String(pid));
  const point = path.join(ctd.dir, 'planted');
  fs.mkdirSync(point);
  t.equal(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', point]).status, 0, 'planted a tmpfs mount');
  // A namespace's runtime state in a stand-in for the host's /run/containerd.
  const standIn = path.join(ctd.dir, 'host-run');
  const runtimeState = path.join(standIn, 'runc', ctd.namespace);
  fs.mkdirSync(runtimeState, { recursive: true });
  const found = ctrLeftovers({ ...scope, hostRun: standIn });
  t.ok(found.includes(`host directory ${runtimeState}`), "the namespace's runtime state is found");
  t.ok(
    found.some((l) => l.startsWith(`process ${pid}:`)),
    'the process in our cgroup is found',
  );
  t.ok(found.includes(`cgroup ${cgroup}`), 'the cgroup is found');
  t.ok(found.includes(`mount ${point}`), 'the mount is found');
  // The daemon's own mount namespace: a mount there is invisible to the host's table.
  const inDaemon = path.join(ctd.dir, 'planted-in-daemon');
  fs.mkdirSync(inDaemon);
  const nsenter = ['--target', String(ctd.daemonPid()), '--mount'];
  t.equal(spawnSync('nsenter', [...nsenter, 'mount', '-t', 'tmpfs', 'tmpfs', inDaemon]).status, 0, 'planted there');
  t.same(ctd.daemonMountsUnderDir(), [inDaemon], "the mount in the daemon's namespace is found");
  spawnSync('nsenter', [...nsenter, 'umount', inDaemon]);
  t.same(ctd.daemonMountsUnderDir(), [], 'and gone once unmounted');
  const gone = new Promise((r) => sleeper.once('exit', r));
  process.kill(pid, 'SIGKILL');
  await gone;
  spawnSync('umount', [point]);
  fs.rmdirSync(cgroup);
  fs.rmSync(standIn, { recursive: true });
  t.match(ctrLeftovers(scope), [/^daemon pid \d+/], 'only the daemon is left once the plants are removed');
});

t.test('run --rm: output and exit codes 0 and 3, with the runtime the flag names', async (t) => {
  const ok = ctd.run('rm0', ['--rm'], ['sh', '-c', 'echo hello; echo oops >&2']);
  t.equal(ok.code, 0, ok.stderr);
  t.equal(ok.stdout, 'hello\n');
  t.equal(ok.stderr, 'oops\n', 'stderr is kept apart');
  const three = ctd.run('rm3', ['--rm'], ['sh', '-c', 'echo bye; exit 3']);
  t.equal(three.code, 3, 'the exit code is the container process');
  t.equal(three.stdout, 'bye\n');
  // A runtime binary that does not exist fails the run: --runc-binary is what ran the others.
  const missing = path.join(ctd.dir, 'no-such-runtime');
  const bad = ctd.run('rmbad', ['--rm'], ['true'], missing);
  t.not(bad.code, 0, 'a missing runtime binary fails');
  t.match(bad.stderr, missing, 'the error names the binary');
  removeContainer('rmbad');
  t.equal(ctd.ctr(['container', 'ls', '-q']).stdout, '', 'no container record is left');
});

t.test("without --runc-binary the shim runs `runc` from the daemon's PATH, the runtime under test", async (t) => {
  t.notOk(fs.existsSync(ctd.runtimeCalls), 'the runs with --runc-binary never called the PATH runc');
  const r = ctd.run('bypath', ['--rm'], ['sh', '-c', 'echo by path; exit 2'], null);
  t.equal(r.code, 2, r.stderr);
  t.equal(r.stdout, 'by path\n');
  const calls = fs.readFileSync(ctd.runtimeCalls, 'utf8').split('\n');
  t.ok(
    calls.some((c) => / create .*bypath$/.test(c)),
    'the PATH runc created the container',
  );
  t.ok(
    calls.some((c) => / delete .*bypath$/.test(c)),
    'and deleted it',
  );
});

t.test('run -d, then task ls, ps, pause, resume, kill and delete', async (t) => {
  const id = 'detached';
  const r = ctd.run(id, ['-d'], ['sh', '-c', 'trap "exit 7" TERM; while :; do sleep 0.1; done']);
  t.equal(r.code, 0, r.stderr);
  t.equal(taskStatus(id), 'RUNNING');
  const pid = Number(ctd.ctr(['task', 'ls']).stdout.match(new RegExp(`^${id}\\s+(\\d+)`, 'm'))?.[1]);
  t.ok(inCgroup(pid, `${ctd.cgroupParent}/${id}`), 'the init process is in the cgroup --cgroup named');
  t.ok(
    fs.existsSync(path.join(ctd.dir, 'run', 'containerd', 'runc', ctd.namespace, id, 'state.json')),
    "the runtime's state is under the private /run",
  );
  const running = ctrLeftovers(scope);
  t.ok(
    running.some((l) => l.endsWith('containerd-shim-runc-v2')),
    'the leak check would see the running shim',
  );
  t.ok(running.includes(`process ${pid}: /bin/busybox`), 'and the container process');
  const ps = ctd.ctr(['task', 'ps', id]);
  t.equal(ps.code, 0, ps.stderr);
  t.match(ps.stdout, new RegExp(`^${pid}\\s`, 'm'), 'task ps lists the init process');

  t.equal(ctd.ctr(['task', 'pause', id]).code, 0, 'pause');
  t.equal(taskStatus(id), 'PAUSED');
  t.equal(
    fs.readFileSync(cgroupFile('freezer', id, 'freezer.state'), 'utf8').trim(),
    'FROZEN',
    'the freezer is frozen',
  );
  t.equal(ctd.ctr(['task', 'resume', id]).code, 0, 'resume');
  t.equal(taskStatus(id), 'RUNNING');
  t.equal(fs.readFileSync(cgroupFile('freezer', id, 'freezer.state'), 'utf8').trim(), 'THAWED', 'the freezer thawed');

  t.equal(ctd.ctr(['task', 'kill', id]).code, 0, 'kill (SIGTERM)');
  t.ok(await waitFor(() => taskStatus(id) === 'STOPPED'), 'the task stops');
  const del = ctd.ctr(['task', 'delete', id]);
  t.equal(del.code, 0, del.stderr);
  t.match(del.stderr, /exit code 7/, "the trap's exit code is reported");
  t.equal(taskStatus(id), undefined, 'the task is gone');
  t.equal(ctd.ctr(['container', 'delete', id]).code, 0, 'container delete');
  t.notOk(
    fs.existsSync(path.join(ctd.dir, 'run', 'containerd', 'runc', ctd.namespace, id)),
    "the runtime's state is gone",
  );
});

t.test('task exec with --exec-id, without and with a terminal', async (t) => {
  const id = 'execs';
  t.equal(ctd.run(id, ['-d'], ['sleep', '1000']).code, 0, 'run -d');
  const plain = ctd.ctr([
    'task',
    'exec',
    '--exec-id',
    'plain',
    '--fifo-dir',
    ctd.fifoDir,
    '--cwd',
    '/etc',
    id,
    'sh',
    '-c',
    'tty; pwd; echo err >&2; exit 4',
  ]);
  t.equal(plain.code, 4, 'the exec exit code');
  t.equal(plain.stdout, 'not a tty\n/etc\n');
  t.equal(plain.stderr, 'err\n');
  const tty = underPty(typing, [
    'task',
    'exec',
    '-t',
    '--exec-id',
    'tty',
    '--fifo-dir',
    ctd.fifoDir,
    id,
    ...onTerminal,
  ]);
  t.equal(tty.status, 5, 'the exec exit code through the terminal');
  t.match(tty.output, onTerminalOutput, 'a terminal of the caller size that carries what is typed');
  const bg = ctd.ctr(['task', 'exec', '-d', '--exec-id', 'bg', '--fifo-dir', ctd.fifoDir, id, 'sleep', '1000']);
  t.equal(bg.code, 0, `exec -d ${bg.stderr}`);
  const pids = ctd
    .ctr(['task', 'ps', id])
    .stdout.split('\n')
    .slice(1)
    .filter((l) => /^\d+/.test(l));
  t.equal(pids.length, 2, 'task ps lists the init and the detached exec');
  t.equal(ctd.ctr(['task', 'kill', '-s', 'SIGKILL', id]).code, 0, 'kill -s SIGKILL');
  t.ok(await waitFor(() => taskStatus(id) === 'STOPPED'), 'the task stops');
  removeContainer(id);
});

t.test('run -t under a pseudo-terminal', async (t) => {
  const r = underPty(typing, ['run', '--rm', '-t', ...ctd.runFlags('tty'), image, 'tty', ...onTerminal]);
  t.equal(r.status, 5, 'the exit code through the terminal');
  t.match(r.output, onTerminalOutput, 'a terminal of the caller size that carries what is typed');
});

t.test('env (--env) and cwd (--cwd)', async (t) => {
  const r = ctd.run(
    'envcwd',
    ['--rm', '--env', 'FOO=bar', '--env', 'TWO=two words', '--cwd', '/tmp'],
    ['sh', '-c', 'echo "$FOO|$TWO|$(pwd)"'],
  );
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'bar|two words|/tmp\n');
});

t.test('a bind mount (--mount type=bind), read-write and read-only', async (t) => {
  const share = path.join(ctd.dir, 'share');
  fs.mkdirSync(share);
  fs.writeFileSync(path.join(share, 'in'), 'from the host\n');
  const rw = ctd.run(
    'bindrw',
    ['--rm', '--mount', `type=bind,src=${share},dst=/share,options=rbind:rw`],
    ['sh', '-c', 'cat /share/in && echo from the container > /share/out'],
  );
  t.equal(rw.code, 0, rw.stderr);
  t.equal(rw.stdout, 'from the host\n');
  t.equal(fs.readFileSync(path.join(share, 'out'), 'utf8'), 'from the container\n', 'the write reached the host');
  const ro = ctd.run(
    'bindro',
    ['--rm', '--mount', `type=bind,src=${share},dst=/share,options=rbind:ro`],
    ['sh', '-c', 'cat /share/in; echo x > /share/denied'],
  );
  t.not(ro.code, 0, 'a write to a read-only bind fails');
  t.match(ro.stderr, /Read-only file system/);
  t.notOk(fs.existsSync(path.join(share, 'denied')), 'nothing was written');
});

t.test('resource flags land in the cgroup and task metrics reports them', async (t) => {
  const id = 'limits';
  const limit = 64 * 1024 * 1024;
  const r = ctd.run(
    id,
    ['-d', '--memory-limit', String(limit), '--cpus', '0.5', '--cpu-shares', '512'],
    ['sleep', '1000'],
  );
  t.equal(r.code, 0, r.stderr);
  t.equal(fs.readFileSync(cgroupFile('memory', id, 'memory.limit_in_bytes'), 'utf8').trim(), String(limit));
  t.equal(fs.readFileSync(cgroupFile('cpu', id, 'cpu.cfs_quota_us'), 'utf8').trim(), '50000', '--cpus 0.5: quota');
  t.equal(fs.readFileSync(cgroupFile('cpu', id, 'cpu.cfs_period_us'), 'utf8').trim(), '100000', '--cpus 0.5: period');
  t.equal(fs.readFileSync(cgroupFile('cpu', id, 'cpu.shares'), 'utf8').trim(), '512', '--cpu-shares');
  const m = ctd.ctr(['task', 'metrics', '--format', 'json', id]);
  t.equal(m.code, 0, m.stderr);
  const metrics = JSON.parse(m.stdout);
  t.equal(metrics.memory?.usage?.limit, limit, 'metrics: the memory limit');
  t.equal(metrics.pids?.current, 1, 'metrics: one process');
  t.ok(metrics.cpu?.usage?.total > 0, 'metrics: CPU time used');
  t.match(ctd.ctr(['task', 'metrics', id]).stdout, /memory\.limit_in_bytes\s+67108864/, 'the table form');
  t.equal(ctd.ctr(['task', 'kill', '-s', 'SIGKILL', id]).code, 0);
  t.ok(await waitFor(() => taskStatus(id) === 'STOPPED'), 'the task stops');
  removeContainer(id);
});

t.test("containerd's default masked paths, capabilities, rlimits and seccomp, seen by /probe", async (t) => {
  const plain = ctd.run('probe', ['--rm'], ['/probe']);
  t.equal(plain.code, 0, plain.stderr);
  const p = JSON.parse(plain.stdout);
  // containerd's default set: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID
  // SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE.
  t.equal(p.capabilities.bounding, '00000000a80425fb', 'bounding set');
  t.equal(p.capabilities.effective, '00000000a80425fb', 'effective set');
  t.equal(p.noNewPrivs, 1, 'no_new_privs');
  t.equal(p.seccomp, 0, 'no seccomp filter without --seccomp');
  t.same(p.rlimits.RLIMIT_NOFILE, { soft: 1024, hard: 1024 }, 'RLIMIT_NOFILE 1024');
  const at = (point: string) => p.mounts.filter((m: { mountPoint: string }) => m.mountPoint === point);
  // containerd's default lists; a path this kernel does not have (/proc/kcore without
  // CONFIG_PROC_KCORE, say) has nothing to mask.
  const onHost = (paths: string[]) => paths.filter((x) => fs.existsSync(x));
  const masked = onHost(containerdMaskedPaths);
  t.ok(masked.length > 0, `masked paths this host has: ${masked.join(' ')}`);
  for (const x of masked) {
    const m = at(x);
    t.equal(m.length, 1, `${x} is masked by a mount`);
    t.ok(m[0]?.fstype === 'tmpfs' || m[0]?.root === '/null', `${x}: an empty tmpfs or /dev/null`);
  }
  const readonly = onHost(containerdReadonlyPaths);
  t.ok(readonly.length > 0, `read-only paths this host has: ${readonly.join(' ')}`);
  for (const x of readonly) t.ok(at(x)[0]?.options.includes('ro'), `${x} is read-only`);
  const filtered = ctd.run('probesec', ['--rm', '--seccomp'], ['/probe']);
  t.equal(filtered.code, 0, filtered.stderr);
  t.equal(JSON.parse(filtered.stdout).seccomp, 2, "--seccomp: containerd's default profile filters");
  // The same call with and without the profile, so the check can fail both ways.
  const userns = (id: string, flags: string[]) =>
    ctd.run(id, ['--rm', ...flags], ['sh', '-c', 'unshare -U true && echo allowed']);
  const open = userns('usernsopen', []);
  t.equal(open.stdout, 'allowed\n', `unshare(CLONE_NEWUSER) works without --seccomp ${open.stderr}`);
  const denied = userns('usernsdenied', ['--seccomp']);
  t.not(denied.code, 0, 'the default profile denies unshare(CLONE_NEWUSER) without CAP_SYS_ADMIN');
  t.match(denied.stderr, /Operation not permitted/);
});

t.test('an OOM kill: exit 137 and ctr events sees /tasks/oom for the task', async (t) => {
  const id = 'oom';
  let events = '';
  const watcher = spawn('ctr', ['--address', ctd.socket, '--namespace', ctd.namespace, 'events'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  watcher.stdout.on('data', (d) => (events += d));
  // A first event proves the subscription is live before the container starts.
  t.equal(ctd.ctr(['container', 'create', image, 'marker']).code, 0, 'a marker container');
  t.ok(await waitFor(() => events.includes('/containers/create')), 'events are received');
  ctd.ctr(['container', 'delete', 'marker']);
  const r = ctd.run(
    id,
    ['--rm', '--memory-limit', String(32 * 1024 * 1024)],
    ['sh', '-c', 'x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done'],
  );
  t.equal(r.code, 137, 'killed by SIGKILL');
  const oom = new RegExp(`/tasks/oom \\{"container_id":"${id}"\\}`);
  t.ok(await waitFor(() => oom.test(events)), 'a /tasks/oom event names the task');
  const exit = new RegExp(`/tasks/exit \\{"container_id":"${id}".*"exit_status":137`);
  t.ok(await waitFor(() => exit.test(events)), 'its /tasks/exit event says 137');
  const exited = new Promise((r) => watcher.once('exit', r));
  watcher.kill('SIGTERM');
  await exited;
});

t.test('after the file: containerd stopped by pid, nothing left behind', async (t) => {
  t.equal(ctd.ctr(['container', 'ls', '-q']).stdout, '', 'no container is left in the namespace');
  t.same(ctd.daemonMountsUnderDir(), [], "no rootfs mount is left in the daemon's mount namespace");
  await ctd.stop();
  // The shims of deleted tasks exit on their own; wait for them rather than kill them.
  await waitFor(() => ctrLeftovers(scope).length === 0);
  t.same(ctrLeftovers(scope), [], 'no daemon, shim, container process, mount or cgroup');
});

// `exec` through the real binary: the process joins the running container (every
// namespace, its cgroup, its root) with the container's confinement, checked from inside
// by the probe against what the container's init has; exit statuses, signals, --detach,
// --pid-file, terminals, the state rules, and paths a hostile image plants.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import type { Spec } from '../../src/config/types';
import {
  chownForUserns,
  harness,
  inUserNamespace,
  isRunning,
  type Probe,
  startConsoleReceiver,
  waitFor,
} from '../helpers/harness';

const h = harness(t);

function state(id: string): Record<string, any> {
  const r = h.cli(['state', id]);
  if (r.code !== 0) throw new Error(`state ${id}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** A created and started container whose init sleeps; returns its bundle. */
function running(id: string, edit?: (s: Spec) => void, opts: { userns?: boolean } = {}): string {
  const bundle = h.bundle(id, (s) => {
    s.process!.args = ['/bin/sleep', '1000'];
    if (opts.userns) inUserNamespace(s);
    edit?.(s);
  });
  if (opts.userns) chownForUserns(bundle);
  const c = h.cli(['create', '--bundle', bundle, id]);
  if (c.code !== 0) throw new Error(`create ${id}: ${c.stderr}`);
  const s = h.cli(['start', id]);
  if (s.code !== 0) throw new Error(`start ${id}: ${s.stderr}`);
  return bundle;
}

function execProbe(t: Test, id: string, flags: string[] = []): Probe {
  const r = h.cli(['exec', ...flags, id, '/probe']);
  t.equal(r.code, 0, `exec /probe: ${r.stderr}`);
  return JSON.parse(r.stdout) as Probe;
}

function nsLinks(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ns of ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts', 'time'])
    out[ns] = fs.readlinkSync(`/proc/${pid}/ns/${ns}`);
  return out;
}

const inode = (link: string): number => Number(/\[(\d+)\]/.exec(link)?.[1]);

/** One line on stderr, runc's exec failure status 255, matching `pattern`. */
function failsWith(t: Test, r: { code: number; stderr: string }, pattern: RegExp, what: string): void {
  t.equal(r.code, 255, `${what}: exit 255`);
  t.match(r.stderr, /^tsrun: exec failed: /, `${what}: runc's prefix`);
  t.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line (${r.stderr.trim()})`);
  t.match(r.stderr, pattern, what);
}

t.test("the process is in every namespace, cgroup and the root of the container's init", async (t) => {
  const id = h.id('exec');
  running(id, (s) => {
    s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 321, hard: 654 }];
    s.process!.user = { uid: 0, gid: 0, umask: 0o027 };
    s.process!.env = ['PATH=/bin:/usr/bin', 'FROM_CONFIG=1'];
    s.process!.oomScoreAdj = 123;
    s.hostname = 'exec-host';
  });
  const init = state(id).pid as number;
  const p = execProbe(t, id);
  const want = nsLinks(init);
  for (const ns of Object.keys(want)) t.equal(p.namespaces[ns], inode(want[ns]!), `${ns} namespace is the init's`);
  const initCgroups = fs.readFileSync(`/proc/${init}/cgroup`, 'utf8').trim().split('\n');
  t.same(p.cgroup, initCgroups, "the init's cgroups, in every hierarchy");
  t.ok(p.pid > 1 && p.ppid === 0, `a process of the container's pid namespace (pid ${p.pid}, ppid ${p.ppid})`);
  t.equal(p.hostname, 'exec-host', "the container's hostname (uts namespace)");
  const initRoot = fs.readFileSync(`/proc/${init}/mountinfo`, 'utf8').split('\n')[0]?.split(' ')[4];
  t.equal(p.mounts[0]?.mountPoint, initRoot, "the init's root: the same first mount");
  t.same(p.rlimits.RLIMIT_NOFILE, { soft: 321, hard: 654 }, "the container's rlimits");
  t.equal(p.umask, 0o027, "the container's umask");
  t.equal(p.oomScoreAdj, 123, "the container's oom_score_adj");
  t.same(p.env, ['PATH=/bin:/usr/bin', 'FROM_CONFIG=1', 'HOME=/root'], "the container's env, HOME from its passwd");
  t.same(p.openFds, [0, 1, 2], 'no fd of the runtime');
  const one = h.cli(['exec', id, '/bin/cat', '/proc/1/cmdline']);
  t.equal(one.stdout.split('\0')[0], '/bin/sleep', "its pid 1 is the container's init");
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});

t.test("the confinement is the container's: capabilities, no_new_privs, seccomp, user", async (t) => {
  const id = h.id('exec');
  running(id, (s) => {
    s.process!.capabilities = {
      bounding: ['CAP_KILL', 'CAP_CHOWN'],
      effective: ['CAP_KILL'],
      permitted: ['CAP_KILL'],
    };
    s.process!.noNewPrivileges = true;
    s.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdirat', 'mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    };
  });
  const init = state(id).pid as number;
  const status = fs.readFileSync(`/proc/${init}/status`, 'utf8');
  const capOf = (name: string) => new RegExp(`^${name}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1];
  const p = execProbe(t, id);
  t.equal(p.capabilities.bounding, capOf('CapBnd'), 'bounding set as the init');
  t.equal(p.capabilities.effective, capOf('CapEff'), 'effective set as the init');
  t.equal(p.capabilities.inheritable, '0000000000000000', 'nothing inheritable');
  t.equal(p.noNewPrivs, 1, 'no_new_privs');
  t.equal(p.seccomp, 2, 'a seccomp filter');
  const m = h.cli(['exec', id, '/bin/mkdir', '/tmp/x']);
  t.not(m.code, 0, "the container's filter refuses mkdir in the exec'd process too");
  const u = h.cli(['exec', '--user', '1000:1001', id, '/probe']);
  t.equal(u.code, 0, u.stderr);
  const pu = JSON.parse(u.stdout) as Probe;
  t.same([pu.uid, pu.gid, pu.euid, pu.egid], [1000, 1001, 1000, 1001], '--user uid:gid');
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});

t.test('a config.json changed after create does not change what exec applies', async (t) => {
  const id = h.id('exec');
  const bundle = running(id, (s) => (s.process!.env = ['PATH=/bin', 'AT=create']));
  const configPath = path.join(bundle, 'config.json');
  const spec = JSON.parse(fs.readFileSync(configPath, 'utf8')) as Spec;
  spec.process!.env = ['PATH=/bin', 'AT=later'];
  spec.process!.user = { uid: 4242, gid: 4242 };
  fs.writeFileSync(configPath, JSON.stringify(spec));
  const p = execProbe(t, id);
  t.ok(p.env.includes('AT=create') && !p.env.includes('AT=later'), "create time's env");
  t.equal(p.uid, 0, "create time's user");
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});

t.test("exit status and death by signal are tsrun's exit status", async (t) => {
  const id = h.id('exec');
  running(id);
  t.equal(h.cli(['exec', id, '/bin/sh', '-c', 'exit 7']).code, 7, 'exit 7');
  t.equal(h.cli(['exec', id, '/bin/sh', '-c', 'kill -9 $$']).code, 137, 'SIGKILL: 137');
  const out = h.cli(['exec', id, '/bin/sh', '-c', 'echo out; echo err >&2']);
  t.equal(out.stdout, 'out\n', 'stdout is the caller’s');
  t.equal(out.stderr, 'err\n', 'stderr is the caller’s');
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});

t.test('signals to tsrun are forwarded to the process', async (t) => {
  const id = h.id('exec');
  running(id);
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  // tap's NODE_OPTIONS handles SIGTERM in the runtime (signal-exit): left out.
  delete env.NODE_OPTIONS;
  const ready = path.join(h.tmp, `${id}.ready`);
  const child = spawn(
    h.binary,
    [
      '--root',
      h.root,
      'exec',
      id,
      '/bin/sh',
      '-c',
      `trap 'exit 42' TERM; echo > /tmp/ready; while :; do sleep 0.1; done`,
    ],
    { env, stdio: 'ignore' },
  );
  const rootfsReady = path.join(h.tmp, 'bundles', id, 'rootfs', 'tmp', 'ready');
  t.ok(await waitFor(() => fs.existsSync(rootfsReady)), 'the process runs');
  fs.writeFileSync(ready, '');
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  t.equal(code, 42, 'the trap ran and its status came back');
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});

t.test('--detach returns at once; --pid-file holds the host pid of a process in the container', async (t) => {
  const id = h.id('exec');
  running(id);
  const pidFile = path.join(h.tmp, `${id}.pid`);
  const r = h.cli(['exec', '--detach', '--pid-file', pidFile, id, '/bin/sleep', '500']);
  t.equal(r.code, 0, r.stderr);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  t.ok(isRunning(pid), 'the process runs after exec returned');
  const nspid = /^NSpid:\s*(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]?.split(/\s+/);
  t.equal(nspid?.length, 2, 'it has a pid in the container’s pid namespace too');
  const init = state(id).pid as number;
  t.equal(fs.readlinkSync(`/proc/${pid}/ns/pid`), fs.readlinkSync(`/proc/${init}/ns/pid`), "the init's pid namespace");
  const ps = h.cli(['ps', '--format', 'json', id]);
  t.ok((JSON.parse(ps.stdout) as number[]).includes(pid), 'ps lists it: it is in the container cgroup');
  t.equal(h.cli(['delete', '-f', id]).code, 0);
  t.ok(await waitFor(() => !isRunning(pid)), 'delete --force ends it with the container');
});

t.test('a container with a user namespace: the process is its root, mapped', async (t) => {
  const id = h.id('exec');
  running(id, undefined, { userns: true });
  const init = state(id).pid as number;
  const p = execProbe(t, id);
  t.equal(p.namespaces.user, inode(fs.readlinkSync(`/proc/${init}/ns/user`)), "the init's user namespace");
  t.equal(p.uid, 0, 'root inside');
  const r = h.cli(['exec', '--pid-file', path.join(h.tmp, `${id}.pid`), '-d', id, '/bin/sleep', '100']);
  t.equal(r.code, 0, r.stderr);
  const pid = Number(fs.readFileSync(path.join(h.tmp, `${id}.pid`), 'utf8'));
  t.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /^Uid:\s+100000\s/m, 'host uid is the mapped one');
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});

t.test('stopped, paused and unknown containers are refused in runc words, leaving nothing', async (t) => {
  const id = h.id('exec');
  running(id);
  t.equal(h.cli(['pause', id]).code, 0);
  failsWith(
    t,
    h.cli(['exec', id, '/bin/true']),
    /cannot exec in a paused container \(use --ignore-paused to override\)/,
    'paused',
  );
  t.equal(h.cli(['resume', id]).code, 0);
  t.equal(h.cli(['kill', id, 'KILL']).code, 0);
  t.ok(await waitFor(() => state(id).status === 'stopped'), 'stopped');
  failsWith(t, h.cli(['exec', id, '/bin/true']), /cannot exec in a stopped container/, 'stopped');
  failsWith(t, h.cli(['exec', 'no-such-container', '/bin/true']), /container .*does not exist|not found/, 'unknown');
  t.equal(h.cli(['delete', id]).code, 0);
});

t.test('a program that is not there fails with one line in runc words; nothing is left', async (t) => {
  const id = h.id('exec');
  running(id);
  failsWith(t, h.cli(['exec', id, 'no-such-program']), /executable file not found in \$PATH/, 'missing program');
  failsWith(t, h.cli(['exec', id, '/no/such']), /no such file or directory/, 'missing path');
  failsWith(t, h.cli(['exec', '--cwd', '/no/such/dir', id, '/bin/true']), /cwd/, 'missing cwd');
  const pids = JSON.parse(h.cli(['ps', '--format', 'json', id]).stdout) as number[];
  t.same(pids, [state(id).pid], 'only the init is left in the container');
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});

t.test("a cwd through the image's symlinks stays inside the container root", async (t) => {
  const id = h.id('exec');
  const bundle = running(id);
  const rootfs = path.join(bundle, 'rootfs');
  fs.symlinkSync('../../../../../../..', path.join(rootfs, 'up'));
  fs.symlinkSync('/', path.join(rootfs, 'abs'));
  fs.writeFileSync(path.join(rootfs, 'marker'), 'inside');
  for (const cwd of ['/up', '/abs', '/up/up/tmp/..']) {
    const r = h.cli(['exec', '--cwd', cwd, id, '/bin/cat', 'marker']);
    t.equal(r.stdout, 'inside', `cwd ${cwd} is the container's root`);
  }
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});

t.test('a terminal with --console-socket: the master goes to the socket, sized as asked', async (t) => {
  const id = h.id('exec');
  const bundle = running(id);
  const sock = path.join(bundle, 'exec.sock');
  const received = path.join(bundle, 'exec.out');
  const { done } = await startConsoleReceiver(sock, received, t);
  const file = path.join(bundle, 'exec-process.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      terminal: true,
      consoleSize: { height: 19, width: 63 },
      user: { uid: 0, gid: 0 },
      args: ['/bin/sh', '-c', 'tty; [ -t 0 ] && echo TTY-IN; stty size'],
      env: ['PATH=/bin'],
      cwd: '/',
    }),
  );
  const r = h.cli(['exec', '--console-socket', sock, '--process', file, id]);
  t.equal(r.code, 0, r.stderr);
  t.equal(await done, 0, 'the pty closed when the process exited');
  const out = fs.readFileSync(received, 'utf8');
  t.match(out, /^\/dev\/pts\/\d+\r?$/m, "a pty of the container's devpts");
  t.match(out, /TTY-IN/, 'stdin is the terminal');
  t.match(out, /^19 63\r?$/m, 'the size of process.consoleSize');
  failsWith(
    t,
    h.cli(['exec', '--console-socket', sock, id, '/bin/true']),
    /cannot use console socket if tsrun will not detach or allocate tty/,
    'a console socket without -t',
  );
  failsWith(
    t,
    h.cli(['exec', '-t', '-d', id, '/bin/true']),
    /cannot allocate tty if tsrun will detach without setting console socket/,
    '-t -d without a console socket',
  );
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});

t.test('-t without a console socket proxies the pty to the caller, resizes included', async (t) => {
  const id = h.id('exec');
  running(id);
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const script = [
    `trap 'echo "winch $(stty size)"' WINCH`,
    'tty',
    'echo "size $(stty size)"',
    'echo READY',
    // read returns early on a trapped signal: read again.
    'until read line; do :; done',
    'echo "got:$line"',
    'exit 5',
  ].join('\n');
  const r = spawnSync(
    'python3',
    [
      path.join(__dirname, '..', 'helpers', 'pty-run.py'),
      '--rows',
      '31',
      '--cols',
      '71',
      JSON.stringify([{ expect: 'READY' }, { resize: [40, 100] }, { expect: 'winch 40 100' }, { send: 'typed\r' }]),
      '--',
      h.binary,
      '--root',
      h.root,
      'exec',
      '-t',
      id,
      '/bin/sh',
      '-c',
      script,
    ],
    { env, encoding: 'utf8', timeout: 90_000 },
  );
  t.equal(r.status, 0, `pty helper: ${r.stderr}`);
  const run = JSON.parse(r.stdout) as { output: string; status: number; termios: { before: any; after: any } };
  t.match(run.output, /^\/dev\/pts\/\d+\r?$/m, 'a pty');
  t.match(run.output, /size 31 71/, "the caller's size");
  t.match(run.output, /winch 40 100/, 'a resize of the caller reaches the process with the new size');
  t.match(run.output, /got:typed/, 'typed input reaches the process');
  t.equal(run.status, 5, 'exit status');
  t.equal(run.termios.after.attrs, run.termios.before.attrs, "the caller's terminal is restored");
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});

t.test('--no-pivot container: the process sees the container root, not the host', async (t) => {
  const id = h.id('exec');
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/bin/sleep', '1000']));
  t.equal(h.cli(['create', '--no-pivot', '--bundle', bundle, id]).code, 0);
  t.equal(h.cli(['start', id]).code, 0);
  fs.writeFileSync(path.join(bundle, 'rootfs', 'marker'), 'inside');
  const r = h.cli(['exec', id, '/bin/cat', '/marker']);
  t.equal(r.stdout, 'inside', "the init's root");
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});

t.test('as conmon and containerd do: a command typed into the received master runs', async (t) => {
  const id = h.id('exec');
  // create --console-socket: the init is a shell reading the terminal.
  const bundle = h.bundle(id, (s) => {
    s.process!.terminal = true;
    s.process!.args = ['/bin/sh'];
  });
  const initSock = path.join(bundle, 'init.sock');
  const initOut = path.join(bundle, 'init.out');
  const init = await startConsoleReceiver(initSock, initOut, t, 'echo init-$((6*7)); exit 3\n');
  t.equal(h.cli(['create', '--console-socket', initSock, '--bundle', bundle, id]).code, 0, 'create');
  t.equal(h.cli(['start', id]).code, 0, 'start');
  t.equal(await init.done, 0, 'the init ended, its pty closed');
  t.match(fs.readFileSync(initOut, 'utf8'), /^init-42\r?$/m, 'the typed command ran in the container');
  t.equal(h.cli(['delete', id]).code, 0);

  const id2 = h.id('exec');
  running(id2);
  const sock = path.join(h.tmp, `${id2}.sock`);
  const out = path.join(h.tmp, `${id2}.out`);
  const ex = await startConsoleReceiver(sock, out, t, 'echo exec-$((6*7)); exit 4\n');
  const r = h.cli(['exec', '-t', '--console-socket', sock, id2, '/bin/sh']);
  t.equal(r.code, 4, "exec's status is the shell's");
  t.equal(await ex.done, 0, 'its pty closed');
  t.match(fs.readFileSync(out, 'utf8'), /^exec-42\r?$/m, 'the typed command ran in the exec’d shell');
  t.equal(h.cli(['delete', '-f', id2]).code, 0);
});

t.test("each engine's real process.json runs (ctr, docker, podman)", async (t) => {
  const id = h.id('exec');
  running(id);
  const dir = path.resolve(__dirname, '..', '..', '..', 'shared', 'configs');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('-process.json'));
  t.ok(files.length >= 4, `${files.length} process files`);
  for (const f of files) {
    const r = h.cli(['exec', '--process', path.join(dir, f), id]);
    t.equal(r.code, 0, `${f}: ${r.stderr}`);
    const args = (JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { args: string[] }).args;
    if (args[0] === 'id') t.match(r.stdout, /^uid=1000\b.* gid=1000\b/, `${f}: runs as its user`);
  }
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});

t.test('no signal of the runtime is blocked or ignored in the process, no runtime variable in its env', async (t) => {
  const id = h.id('exec');
  running(id, (s) => (s.process!.env = ['PATH=/bin']));
  // Node ignores SIGPIPE and blocks nothing in the main thread; the child must undo both.
  const r = h.cli(['exec', id, '/bin/cat', '/proc/self/status'], {
    env: { ...process.env, TSRUN_LEAK_CANARY: 'x' },
  });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^SigBlk:\s+0+$/m, 'nothing blocked');
  t.match(r.stdout, /^SigIgn:\s+0+$/m, 'nothing ignored');
  const env = h.cli(['exec', id, '/bin/env'], { env: { ...process.env, TSRUN_LEAK_CANARY: 'x' } });
  t.same(env.stdout.trim().split('\n').sort(), ['HOME=/root', 'PATH=/bin'], "exactly the container's env");
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});

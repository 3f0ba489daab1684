// Every command and flag through the real binary, with real containers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import type { Spec } from '../../src/config/types';
import { loadValidators } from '../../src/config/validate';
import { catchesSignal, harness, isRunning, runWithConsole, waitFor } from '../helpers/harness';

const h = harness(t);

function state(id: string): Record<string, any> {
  const r = h.cli(['state', id]);
  if (r.code !== 0) throw new Error(`state ${id}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

t.test('create does not run the process; start does; state follows; delete removes all', async (t) => {
  const id = h.id();
  const marker = '/tmp/started';
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/bin/sh', '-c', `touch ${marker}; exec /probe sleep 30`]));
  const pidFile = path.join(bundle, 'pid');
  const c = h.cli(['create', '--bundle', bundle, '--pid-file', pidFile, id]);
  t.equal(c.code, 0, c.stderr);
  const st = state(id);
  t.equal(st.status, 'created');
  t.equal(st.id, id);
  t.equal(st.bundle, bundle);
  t.equal(st.ociVersion, '1.3.0');
  t.equal(Number(fs.readFileSync(pidFile, 'utf8')), st.pid, 'pid file holds the init pid');
  t.ok(fs.existsSync(`/proc/${st.pid}`), 'the init lives');
  t.notOk(fs.existsSync(path.join(bundle, 'rootfs', marker)), 'the user process has not run');
  t.equal(h.cli(['start', id]).code, 0);
  for (let i = 0; i < 200 && !fs.existsSync(path.join(bundle, 'rootfs', marker)); i++)
    await new Promise((r) => setTimeout(r, 10));
  t.ok(fs.existsSync(path.join(bundle, 'rootfs', marker)), 'the user process ran');
  t.equal(state(id).status, 'running');
  const again = h.cli(['start', id]);
  t.equal(again.code, 1, 'starting twice fails');
  t.match(again.stderr, /already running/);
  const del = h.cli(['delete', id]);
  t.equal(del.code, 1, 'a running container is not deleted without --force');
  t.match(del.stderr, /not stopped: running/);
  t.equal(h.cli(['kill', id, 'KILL']).code, 0);
  for (let i = 0; i < 200 && state(id).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 10));
  t.equal(state(id).status, 'stopped');
  t.equal(state(id).pid, 0);
  const k = h.cli(['kill', id, 'TERM']);
  t.equal(k.code, 1, 'kill of a stopped container fails as in runc');
  t.match(k.stderr, /container not running/);
  t.equal(h.cli(['delete', id]).code, 0);
  t.notOk(h.stateDirExists(id), 'state gone');
  t.same(h.cgroupsLeft(id), [], 'cgroups gone');
  t.equal(h.cli(['state', id]).code, 1, 'state after delete fails');
});

t.test('--pid-file: a symlink planted at a temporary name does not redirect the write', async (t) => {
  const id = h.id('pidfile');
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/probe', 'sleep', '30']));
  const dir = path.join(bundle, 'run');
  fs.mkdirSync(dir);
  const outside = path.join(bundle, 'outside.txt');
  fs.writeFileSync(outside, 'untouched');
  // tsrun's old temporary name and runc's.
  for (const planted of ['.pid.tmp', '.pid']) fs.symlinkSync(outside, path.join(dir, planted));
  const c = h.cli(['create', '--bundle', bundle, '--pid-file', path.join(dir, 'pid'), id]);
  t.equal(c.code, 0, c.stderr);
  t.equal(fs.readFileSync(outside, 'utf8'), 'untouched', 'the file the links point to is untouched');
  t.ok(fs.lstatSync(path.join(dir, 'pid')).isFile(), 'the pid file is a regular file');
  t.equal(Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8')), state(id).pid, 'it holds the init pid');
  t.same(fs.readdirSync(dir).sort(), ['.pid', '.pid.tmp', 'pid'], 'no temporary file left, the planted links kept');
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

t.test('--pid-file: a symlink at the pid file name is replaced, not followed (as runc)', async (t) => {
  const id = h.id('pidfile');
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/probe', 'sleep', '30']));
  const outside = path.join(bundle, 'outside.txt');
  fs.writeFileSync(outside, 'untouched');
  const pidFile = path.join(bundle, 'pid');
  fs.symlinkSync(outside, pidFile);
  const c = h.cli(['create', '--bundle', bundle, '--pid-file', pidFile, id]);
  t.equal(c.code, 0, c.stderr);
  t.equal(fs.readFileSync(outside, 'utf8'), 'untouched');
  t.ok(fs.lstatSync(pidFile).isFile(), 'the link was replaced by a regular file');
  t.equal(Number(fs.readFileSync(pidFile, 'utf8')), state(id).pid);
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

t.test('--pid-file that cannot be written: create fails and leaves no temporary file', async (t) => {
  const id = h.id('pidfile');
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/probe', 'sleep', '30']));
  const dir = path.join(bundle, 'run');
  fs.mkdirSync(path.join(dir, 'pid'), { recursive: true }); // rename onto a directory fails
  const c = h.cli(['create', '--bundle', bundle, '--pid-file', path.join(dir, 'pid'), id]);
  t.equal(c.code, 1);
  t.match(c.stderr, /write pid file .*\/pid: /);
  t.equal(c.stderr.trim().split('\n').length, 1, 'one line');
  t.same(fs.readdirSync(dir), ['pid'], 'no temporary file left');
  t.notOk(h.stateDirExists(id), 'no state left');
  t.same(h.cgroupsLeft(id), [], 'no cgroup left');
});

t.test('kill delivers the named signal; the probe reports it', async (t) => {
  const id = h.id();
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/bin/sh', '-c', 'exec /probe sleep 30 > /tmp/out']));
  t.equal(h.cli(['create', '--bundle', bundle, id]).code, 0);
  t.equal(h.cli(['start', id]).code, 0);
  t.ok(await waitFor(() => catchesSignal(state(id).pid, 10)), 'the probe handles SIGUSR1');
  t.equal(h.cli(['kill', id, 'SIGUSR1']).code, 0);
  for (let i = 0; i < 300 && state(id).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 10));
  t.same(JSON.parse(fs.readFileSync(path.join(bundle, 'rootfs/tmp/out'), 'utf8')), { signal: 10 });
  t.equal(h.cli(['delete', id]).code, 0);
});

t.test('kill --all reaches every process; delete --force kills a running container', async (t) => {
  const id = h.id();
  const bundle = h.bundle(id, (s) => {
    s.process!.args = ['/bin/sh', '-c', 'sleep 100 & sleep 100 & exec sleep 100'];
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
  });
  t.equal(h.cli(['run', '-d', '--bundle', bundle, id]).code, 0);
  const procsFile = `/sys/fs/cgroup/pids/${h.cgroupParent}/${id}/cgroup.procs`;
  await waitFor(() => fs.readFileSync(procsFile, 'utf8').trim().split('\n').length >= 3);
  const procs = fs.readFileSync(procsFile, 'utf8').trim().split('\n');
  t.equal(procs.length, 3, 'three processes in the cgroup');
  t.equal(h.cli(['kill', '--all', id, 'KILL']).code, 0);
  for (
    let i = 0;
    i < 200 && fs.readFileSync(`/sys/fs/cgroup/pids/${h.cgroupParent}/${id}/cgroup.procs`, 'utf8').trim() !== '';
    i++
  )
    await new Promise((r) => setTimeout(r, 10));
  t.equal(fs.readFileSync(`/sys/fs/cgroup/pids/${h.cgroupParent}/${id}/cgroup.procs`, 'utf8').trim(), '', 'all gone');
  t.equal(h.cli(['delete', id]).code, 0);

  const id2 = h.id();
  const b2 = h.bundle(id2, (s) => (s.process!.args = ['/probe', 'sleep', '100']));
  t.equal(h.cli(['run', '--detach', '--bundle', b2, id2]).code, 0);
  const pid = state(id2).pid;
  t.equal(h.cli(['delete', '--force', id2]).code, 0);
  t.notOk(isRunning(pid), 'the init is gone');
  t.notOk(h.stateDirExists(id2));
  t.same(h.cgroupsLeft(id2), []);
});

t.test('delete of a created container kills it without --force, as runc (engines rely on it)', async (t) => {
  const id = h.id();
  t.equal(h.cli(['create', '--bundle', h.bundle(id), id]).code, 0);
  const pid = state(id).pid;
  t.equal(h.cli(['delete', id]).code, 0);
  t.notOk(isRunning(pid), 'the init is gone');
  t.notOk(h.stateDirExists(id));
  t.same(h.cgroupsLeft(id), []);
});

t.test('a config without process: create works, start fails, delete --force cleans up (config.md)', async (t) => {
  const id = h.id();
  t.equal(h.cli(['create', '--bundle', h.bundle(id, (s) => delete s.process), id]).code, 0);
  t.equal(state(id).status, 'created');
  const r = h.cli(['start', id]);
  t.equal(r.code, 1);
  t.match(r.stderr, /config\.json: process: is required to start the container/);
  t.equal(state(id).status, 'created', 'start had no effect');
  t.equal(h.cli(['delete', '--force', id]).code, 0);
  t.notOk(h.stateDirExists(id));
});

t.test('linux.resources.pids.limit is applied', async (t) => {
  const id = h.id();
  t.equal(
    h.cli([
      'create',
      '--bundle',
      h.bundle(id, (s) => (s.linux!.resources = { ...s.linux!.resources, pids: { limit: 77 } })),
      id,
    ]).code,
    0,
  );
  t.equal(fs.readFileSync(`/sys/fs/cgroup/pids/${h.cgroupParent}/${id}/pids.max`, 'utf8').trim(), '77');
  t.equal(h.cli(['delete', '--force', id]).code, 0);
  t.same(h.cgroupsLeft(id), []);
});

t.test('run: exit status, 128+N for a signal, --keep, -d', async (t) => {
  const id = h.id();
  const r = h.cli(['run', '--bundle', h.bundle(id, (s) => (s.process!.args = ['/probe', 'exit', '7'])), id]);
  t.equal(r.code, 7, 'exit status passed through');
  t.notOk(h.stateDirExists(id), 'run deletes the container');
  const id2 = h.id();
  // Without a pid namespace: an init ignores even SIGKILL sent from inside its namespace.
  const noPidNs = (s: any) => {
    s.process!.args = ['/bin/sh', '-c', 'kill -9 $$'];
    s.linux!.namespaces = s.linux!.namespaces!.filter((n: any) => n.type !== 'pid');
  };
  const r2 = h.cli(['run', '--keep', '--bundle', h.bundle(id2, noPidNs), id2]);
  t.equal(r2.code, 137, 'killed by SIGKILL: 128+9');
  t.equal(state(id2).status, 'stopped', '--keep keeps a stopped container');
  t.equal(h.cli(['delete', id2]).code, 0);
});

t.test('run forwards signals to the container', async (t) => {
  const id = h.id();
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/probe', 'sleep', '30']));
  const { spawn } = await import('node:child_process');
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const child = spawn(h.binary, ['--root', h.root, 'run', '--bundle', bundle, id], { env });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  t.ok(
    await waitFor(
      () =>
        h.cli(['state', id]).stdout.includes('"running"') &&
        catchesSignal(JSON.parse(h.cli(['state', id]).stdout).pid, 15),
    ),
    'running, with its SIGTERM handler',
  );
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  t.equal(code, 128 + 15);
  t.same(JSON.parse(out), { signal: 15 }, 'the container saw SIGTERM');
});

t.test('list: table, json, quiet', async (t) => {
  const id = h.id();
  t.equal(h.cli(['create', '--bundle', h.bundle(id), id]).code, 0);
  const table = h.cli(['list']).stdout.split('\n');
  t.match(table[0], /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
  t.ok(table.some((l) => l.startsWith(id) && l.includes('created')));
  const json = JSON.parse(h.cli(['list', '--format', 'json']).stdout);
  t.ok(json.some((c: any) => c.id === id && c.status === 'created'));
  t.ok(h.cli(['list', '-q']).stdout.split('\n').includes(id));
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

t.test('--preserve-fds passes extra fds; others are closed', async (t) => {
  const id = h.id();
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/probe']));
  const extra = fs.openSync(path.join(bundle, 'config.json'), 'r');
  const r = h.cli(['run', '--preserve-fds', '1', '--bundle', bundle, id], { stdio: ['ignore', 1, 2, extra] });
  fs.closeSync(extra);
  t.equal(r.code, 0, r.stderr);
  t.same(JSON.parse(r.stdout).openFds, [0, 1, 2, 3]);
  const id2 = h.id();
  const b2 = h.bundle(id2, (s) => (s.process!.args = ['/probe']));
  const extra2 = fs.openSync(path.join(b2, 'config.json'), 'r');
  const r2 = h.cli(['run', '--bundle', b2, id2], { stdio: ['ignore', 1, 2, extra2] });
  fs.closeSync(extra2);
  t.same(JSON.parse(r2.stdout).openFds, [0, 1, 2], 'no fd leaks into the container');
});

t.test('LISTEN_FDS: socket-activation fds and env reach the container (as runc)', async (t) => {
  const id = h.id();
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/probe']));
  const a = fs.openSync(path.join(bundle, 'config.json'), 'r');
  const b = fs.openSync(path.join(bundle, 'config.json'), 'r');
  const r = h.cli(['run', '--preserve-fds', '1', '--bundle', bundle, id], {
    stdio: ['ignore', 1, 2, a, b],
    env: { ...process.env, LISTEN_FDS: '1', LISTEN_PID: String(process.pid) },
  });
  fs.closeSync(a);
  fs.closeSync(b);
  t.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  t.same(p.openFds, [0, 1, 2, 3, 4], 'the listen fd and the preserved fd');
  t.ok(p.env.includes('LISTEN_FDS=1') && p.env.includes('LISTEN_PID=1'));
});

t.test('--no-pivot uses chroot and still runs', async (t) => {
  const id = h.id();
  const r = h.cli(['run', '--no-pivot', '--bundle', h.bundle(id), id]);
  t.equal(r.code, 0, r.stderr);
  t.equal(JSON.parse(r.stdout).pid, 1);
});

t.test('--log --log-format json: one decodable error line', async (t) => {
  const log = path.join(h.root, '..', 'log.json');
  const r = h.cli(['--log', log, '--log-format', 'json', 'state', 'nope']);
  t.equal(r.code, 1);
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr too');
  const lines = fs
    .readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(lines.at(-1).level, 'error');
  t.match(lines.at(-1).msg, /container does not exist/);
  t.match(lines.at(-1).time, /^\d{4}-\d\d-\d\dT/);
});

t.test('spec writes a config tsrun accepts; --rootless adds a user namespace', async (t) => {
  const dir = path.join(h.root, '..', 'spec');
  fs.mkdirSync(dir, { recursive: true });
  t.equal(h.cli(['spec', '--bundle', dir]).code, 0);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  t.equal(spec.root.path, 'rootfs');
  // As runc's: a cgroup namespace only where /sys/fs/cgroup is cgroup2 (this host: hybrid).
  const unified = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
  t.equal(
    spec.linux.namespaces.some((n: any) => n.type === 'cgroup'),
    unified,
    `cgroup namespace ${unified ? 'on a pure v2 host' : 'absent on a v1 or hybrid host'}`,
  );
  t.equal(h.cli(['spec', '--bundle', dir]).code, 1, 'never overwrites');
  fs.rmSync(path.join(dir, 'config.json'));
  t.equal(h.cli(['spec', '--rootless', '--bundle', dir]).code, 0);
  const rootless = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  t.ok(rootless.linux.namespaces.some((n: any) => n.type === 'user'));
  t.ok(rootless.linux.uidMappings.length === 1);
});

t.test('--version and --help', async (t) => {
  // The bundle's version is package.json's, in runc's shape; features says the same one.
  const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
  const lines = h.cli(['--version']).stdout.split('\n');
  t.same(lines.slice(0, 2), [`tsrun version ${version}`, 'spec: 1.3.0']);
  const features = JSON.parse(h.cli(['features']).stdout);
  t.equal(features.annotations['org.opencontainers.runc.version'], `tsrun-${version}`);
  const help = h.cli(['--help']).stdout;
  for (const c of ['create', 'start', 'run', 'state', 'kill', 'delete', 'list', 'spec'])
    t.match(help, new RegExp(`tsrun ${c}`));
});

t.test('create --console-socket: the engine gets the pty master, the process has a tty', async (t) => {
  const id = h.id('tty');
  const bundle = h.bundle(id, (s) => {
    s.process!.terminal = true;
    s.process!.args = ['/probe'];
  });
  const out = await runWithConsole(h, bundle, id, t);
  t.notMatch(out, /^create failed/);
  t.match(out, /^name=\/dev\/ptmx fds=1\n/);
  const probe = JSON.parse(out.slice(out.indexOf('{')));
  t.same(
    probe.stdio.map((s: any) => s.isatty),
    [true, true, true],
    'stdio is the terminal',
  );
  t.equal(h.cli(['delete', id]).code, 0);
});

t.test('process.consoleSize is the size of the pty sent to the console socket', async (t) => {
  const id = h.id();
  const bundle = h.bundle(id, (s) => {
    s.process!.terminal = true;
    s.process!.consoleSize = { height: 37, width: 91 };
    s.process!.args = ['/bin/sh', '-c', 'stty size'];
  });
  const out = await runWithConsole(h, bundle, id, t);
  t.match(out, /^37 91\r?$/m, 'stty size inside');
  t.equal(h.cli(['delete', id]).code, 0);
});

t.test('terminal without a console socket, or a socket without a terminal, is refused cleanly', async (t) => {
  const id = h.id();
  const r = h.cli(['create', '--bundle', h.bundle(id, (s) => (s.process!.terminal = true)), id]);
  t.equal(r.code, 1);
  t.match(r.stderr, /cannot allocate tty if tsrun will detach without setting console socket/);
  t.notOk(h.stateDirExists(id));
  const id2 = h.id();
  const r2 = h.cli(['create', '--console-socket', '/nonexistent.sock', '--bundle', h.bundle(id2), id2]);
  t.equal(r2.code, 1);
  t.match(r2.stderr, /cannot use console socket if tsrun will not detach or allocate tty/);
  t.notOk(h.stateDirExists(id2));
  const id3 = h.id();
  const r3 = h.cli([
    'create',
    '--console-socket',
    '/nonexistent.sock',
    '--bundle',
    h.bundle(id3, (s) => (s.process!.terminal = true)),
    id3,
  ]);
  t.equal(r3.code, 1);
  t.match(r3.stderr, /nonexistent\.sock/);
  t.notOk(h.stateDirExists(id3));
  t.same(h.cgroupsLeft(id3), []);
});

t.test('--systemd-cgroup reads cgroupsPath as slice:prefix:name', async (t) => {
  const id = h.id();
  // The root slice keeps the scope itself named tsrun-test-*, as tests' cgroups must be.
  const scope = `tsrun-test-${id}.scope`;
  const bundle = h.bundle(id, (s) => (s.linux!.cgroupsPath = `-.slice:tsrun-test:${id}`));
  h.ownCgroup(scope); // the check after each test finds it if delete leaves it
  t.equal(h.cli(['--systemd-cgroup', 'create', '--bundle', bundle, id]).code, 0);
  t.ok(fs.existsSync(`/sys/fs/cgroup/pids/${scope}/cgroup.procs`), 'the scope in the root slice');
  t.equal(h.cli(['delete', '--force', id]).code, 0);
  t.notOk(fs.existsSync(`/sys/fs/cgroup/pids/${scope}`), 'scope removed');
});

t.test('--debug logs the create steps; --log with text format writes logrus lines', async (t) => {
  const id = h.id();
  const r = h.cli(['--debug', 'run', '--bundle', h.bundle(id, (s) => (s.process!.args = ['/probe', 'exit', '0'])), id]);
  t.equal(r.code, 0);
  t.match(r.stderr, /level=debug msg="create .*: config validated at [0-9.]+ ms of uptime"/);
  // One clock for every step, from dispatch to the end (bench/profile.ts reads them in order).
  const steps = [...r.stderr.matchAll(/msg="([a-z]+)(?: \S+)?: ([^"]+) at ([0-9.]+) ms of uptime"/g)];
  t.same(steps[0]?.slice(1, 3), ['run', 'dispatched'], 'the first step: dispatched');
  t.same(steps.at(-1)?.slice(1, 3), ['run', 'done'], 'the last: done');
  const times = steps.map((m) => Number(m[3]));
  t.same(
    times,
    [...times].sort((a, b) => a - b),
    'uptime only grows',
  );
  t.notOk(h.cli(['state', id]).stderr.includes('level=debug'), 'no step lines without --debug');
  const log = path.join(h.root, '..', 'log.txt');
  t.equal(h.cli(['--log', log, 'kill', 'nope']).code, 1);
  t.match(fs.readFileSync(log, 'utf8'), /^time="[^"]+" level=error msg="container does not exist: nope"\n$/);
});

t.test('--debug says each LSM label is ignored, this host having no AppArmor or SELinux', async (t) => {
  const labelled = (s: Spec) => {
    s.process!.args = ['/probe', 'exit', '0'];
    s.process!.apparmorProfile = 'docker-default';
    s.process!.selinuxLabel = 'system_u:system_r:container_t:s0';
    s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0';
  };
  const id = h.id();
  const r = h.cli(['--debug', 'run', '--bundle', h.bundle(id, labelled), id]);
  t.equal(r.code, 0, r.stderr);
  const ignored = r.stderr.split('\n').filter((line) => line.includes('ignored: this host has no'));
  t.equal(ignored.length, 3, 'one line each');
  t.match(
    ignored[0],
    /level=debug msg="process\.apparmorProfile \\"docker-default\\" ignored: this host has no AppArmor"/,
  );
  t.match(ignored[1], /level=debug msg="process\.selinuxLabel .* ignored: this host has no SELinux"/);
  t.match(ignored[2], /level=debug msg="linux\.mountLabel .* ignored: this host has no SELinux"/);
  const quiet = h.id();
  t.equal(h.cli(['run', '--bundle', h.bundle(quiet, labelled), quiet]).stderr, '', 'nothing without --debug');
});

t.test('state and features documents validate against our schemas', async (t) => {
  const { validateState, validateFeatures } = loadValidators();
  const id = h.id();
  t.equal(h.cli(['create', '--bundle', h.bundle(id), id]).code, 0);
  t.ok(validateState(JSON.parse(h.cli(['state', id]).stdout)), 'created state');
  t.equal(h.cli(['delete', '--force', id]).code, 0);
  t.ok(validateFeatures(JSON.parse(h.cli(['features']).stdout)), 'features');
});

t.test('containers outlive create even when many creates race on a busy machine', async (t) => {
  // create used to exit right after Ready, before the child cleared its parent-death
  // signal: under load the fresh container was killed with it. Detach/Detached fixes that.
  const { spawn } = await import('node:child_process');
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const ids = Array.from({ length: 8 }, () => h.id('race'));
  const bundles = ids.map((id) => h.bundle(id, (s) => (s.process!.args = ['/probe', 'sleep', '30'])));
  const codes = await Promise.all(
    ids.map(
      (id, i) =>
        new Promise<number | null>((resolve) =>
          spawn(h.binary, ['--root', h.root, 'create', '--bundle', bundles[i]!, id], { stdio: 'ignore', env }).on(
            'exit',
            resolve,
          ),
        ),
    ),
  );
  t.same(
    codes,
    ids.map(() => 0),
    'every create succeeded',
  );
  t.same(
    ids.map((id) => state(id).status),
    ids.map(() => 'created'),
    'every container is still there',
  );
  for (const id of ids) t.equal(h.cli(['delete', '--force', id]).code, 0);
});

// NOTIFY_SOCKET through the real binary, with a stand-in for the host's systemd
// (helpers/notify-host.ts): create mounts the notify directory read-only at /run/notify and
// sets NOTIFY_SOCKET in the process's environment; start (and run) return once the
// container sent READY=1, forwarded with MAINPID; without NOTIFY_SOCKET nothing changes.
// The harness checks after each test that nothing is left (state directory included).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { harness, type Probe, waitFor } from '../helpers/harness';
import { type NotifyHost, startNotifyHost } from '../helpers/notify-host';

const h = harness(t);

const envWith = (host: NotifyHost) => ({ env: { ...process.env, NOTIFY_SOCKET: host.socket } });

function statePid(id: string): number {
  return JSON.parse(h.cli(['state', id]).stdout).pid as number;
}

/** A bundle whose process runs `script` under sh, its output in the rootfs's /out. */
function shBundle(id: string, script: string): string {
  return h.bundle(id, (s) => (s.process!.args = ['/bin/sh', '-c', `{ ${script} ; } > /out 2>&1`]));
}

const outOf = (bundle: string): string => fs.readFileSync(path.join(bundle, 'rootfs', 'out'), 'utf8');

t.test('start returns once the container sent READY=1, which the host gets with MAINPID', async (t) => {
  const host = await startNotifyHost(path.join(h.tmp, 'host-ready.sock'), t);
  const id = h.id('notify');
  // STATUS first (not passed on), then READY after a pause that start must wait out.
  const bundle = shBundle(id, 'probe notify STATUS=starting; sleep 1; probe notify "READY=1"; sleep 30');
  const c = h.cli(['create', '--bundle', bundle, id], envWith(host));
  t.equal(c.code, 0, c.stderr);
  t.ok(fs.statSync(path.join(h.root, id, 'notify')).isDirectory(), 'create made ROOT/ID/notify');
  const s = h.cli(['start', id], envWith(host));
  t.equal(s.code, 0, s.stderr);
  t.same(await host.received(), ['READY=1\n', `MAINPID=${statePid(id)}\n`], 'READY then MAINPID, both there at return');
  t.equal(h.cli(['delete', '--force', id]).code, 0);
  t.notOk(h.stateDirExists(id), 'delete removed the state directory with its notify socket');
});

t.test('inside: NOTIFY_SOCKET in the env, /run/notify a read-only bind of the notify directory', async (t) => {
  const host = await startNotifyHost(path.join(h.tmp, 'host-inside.sock'), t);
  const id = h.id('notify');
  const bundle = shBundle(id, '/probe; probe write /run/notify/x y; probe notify READY=1');
  t.equal(h.cli(['create', '--bundle', bundle, id], envWith(host)).code, 0);
  t.equal(h.cli(['start', id], envWith(host)).code, 0);
  t.equal((await host.received())[0], 'READY=1\n');
  const [report, write, notify] = outOf(bundle).trim().split('\n');
  const probe = JSON.parse(report!) as Probe;
  t.equal(
    probe.env.filter((e: string) => e.startsWith('NOTIFY_SOCKET=')).join(),
    'NOTIFY_SOCKET=/run/notify/notify.sock',
  );
  const mount = probe.mounts.find((m: Probe) => m.mountPoint === '/run/notify');
  t.ok(mount, '/run/notify is mounted');
  t.ok(mount?.root.endsWith(`/state/${id}/notify`), `the notify directory of the state directory (${mount?.root})`);
  for (const o of ['ro', 'nosuid', 'nodev', 'noexec']) t.ok(mount?.options.includes(o), `mounted ${o}`);
  t.same(JSON.parse(write!), { ok: false, errno: 'EROFS' }, 'read-only');
  t.same(JSON.parse(notify!), { ok: true }, 'the socket takes a datagram');
  t.equal(h.cli(['delete', id]).code, 0);
});

t.test('exec does not get NOTIFY_SOCKET', async (t) => {
  const host = await startNotifyHost(path.join(h.tmp, 'host-exec.sock'), t);
  const id = h.id('notify');
  const bundle = shBundle(id, 'probe notify READY=1; sleep 30');
  t.equal(h.cli(['create', '--bundle', bundle, id], envWith(host)).code, 0);
  t.equal(h.cli(['start', id], envWith(host)).code, 0);
  t.equal((await host.received()).length, 2);
  const e = h.cli(['exec', id, '/bin/sh', '-c', 'echo "[$NOTIFY_SOCKET]"; ls /run/notify'], envWith(host));
  t.equal(e.code, 0, e.stderr);
  t.equal(e.stdout, '[]\nnotify.sock\n', "no env entry; the mount is the container's");
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

t.test('a container that ends without READY: start returns 0, the host gets nothing', async (t) => {
  const host = await startNotifyHost(path.join(h.tmp, 'host-noready.sock'), t);
  const id = h.id('notify');
  const bundle = shBundle(id, 'probe notify STATUS=failing; probe notify "STATUS=x\nREADY=1"; exit 3');
  t.equal(h.cli(['create', '--bundle', bundle, id], envWith(host)).code, 0);
  const s = h.cli(['start', id], envWith(host));
  t.equal(s.code, 0, `start exits 0, as runc's (${s.stderr})`);
  t.same(await host.received(), [], 'READY on a later line is not READY (runc 1.1)');
  t.equal(JSON.parse(h.cli(['state', id]).stdout).status, 'stopped');
  t.equal(h.cli(['delete', id]).code, 0);
});

t.test('without NOTIFY_SOCKET: no notify directory, no mount, no env', (t) => {
  const env = { ...process.env };
  delete env.NOTIFY_SOCKET;
  const id = h.id('plain');
  const bundle = h.bundle(id);
  t.equal(h.cli(['create', '--bundle', bundle, id], { env }).code, 0);
  t.same(fs.readdirSync(path.join(h.root, id)).sort(), ['cleanup.json', 'exec.fifo', 'state.json']);
  t.equal(h.cli(['delete', id]).code, 0);
  const { result, probe } = h.probe();
  t.equal(result.code, 0, result.stderr);
  t.notOk(
    probe?.env.some((e: string) => e.startsWith('NOTIFY_SOCKET=')),
    'no NOTIFY_SOCKET',
  );
  t.notOk(
    probe?.mounts.some((m: Probe) => m.mountPoint === '/run/notify'),
    'no /run/notify',
  );
  t.end();
});

t.test('start with NOTIFY_SOCKET of a container created without: one line, exit 1, still created', (t) => {
  const id = h.id('notify');
  const bundle = h.bundle(id);
  t.equal(h.cli(['create', '--bundle', bundle, id]).code, 0);
  const s = h.cli(['start', id], { env: { ...process.env, NOTIFY_SOCKET: path.join(h.tmp, 'unused.sock') } });
  t.equal(s.code, 1);
  t.match(s.stderr, /^tsrun: listen unixgram \S+\/notify\/notify\.sock: bind: no such file or directory\n$/);
  t.equal(JSON.parse(h.cli(['state', id]).stdout).status, 'created');
  t.equal(h.cli(['delete', id]).code, 0);
  t.end();
});

t.test('start with a host socket that is not there: one line, exit 1, as runc', (t) => {
  const id = h.id('notify');
  const missing = { env: { ...process.env, NOTIFY_SOCKET: path.join(h.tmp, 'missing.sock') } };
  const bundle = shBundle(id, 'sleep 30');
  t.equal(h.cli(['create', '--bundle', bundle, id], missing).code, 0);
  const s = h.cli(['start', id], missing);
  t.equal(s.code, 1);
  t.match(s.stderr, /^tsrun: dial unixgram \S+missing\.sock: connect: no such file or directory\n$/);
  t.equal(h.cli(['delete', '--force', id]).code, 0);
  t.end();
});

t.test('a failed create with NOTIFY_SOCKET leaves nothing', (t) => {
  const id = h.id('notify');
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/no/such/program']));
  const c = h.cli(['create', '--bundle', bundle, id], { env: { ...process.env, NOTIFY_SOCKET: '/unused.sock' } });
  t.equal(c.code, 1);
  t.match(c.stderr, /no\/such\/program/);
  t.notOk(h.stateDirExists(id), 'no state directory, no notify directory');
  t.end();
});

t.test('run -d returns once READY was passed on, MAINPID the init', async (t) => {
  const host = await startNotifyHost(path.join(h.tmp, 'host-run-d.sock'), t);
  const id = h.id('notify');
  const bundle = shBundle(id, 'sleep 1; probe notify READY=1; sleep 30');
  const r = h.cli(['run', '-d', '--bundle', bundle, id], envWith(host));
  t.equal(r.code, 0, r.stderr);
  t.same(await host.received(), ['READY=1\n', `MAINPID=${statePid(id)}\n`]);
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

t.test('run in the foreground: MAINPID is run itself, and it exits with the container', async (t) => {
  const host = await startNotifyHost(path.join(h.tmp, 'host-run.sock'), t);
  const id = h.id('notify');
  const bundle = shBundle(id, 'probe notify READY=1; exit 5');
  const run = spawn(h.binary, ['--root', h.root, 'run', '--bundle', bundle, id], {
    ...envWith(host),
    stdio: 'ignore',
  });
  const code = await new Promise<number | null>((resolve) => run.once('exit', (c) => resolve(c)));
  t.equal(code, 5, "the container's status");
  t.same(await host.received(), ['READY=1\n', `MAINPID=${run.pid}\n`]);
  t.notOk(h.stateDirExists(id), 'run deleted it');
});

t.test('run in the foreground, no READY: it still ends with the container', async (t) => {
  const host = await startNotifyHost(path.join(h.tmp, 'host-run-noready.sock'), t);
  const id = h.id('notify');
  const r = h.cli(['run', '--bundle', shBundle(id, 'exit 6'), id], envWith(host));
  t.equal(r.code, 6, r.stderr);
  t.same(await host.received(), []);
});

t.test('while start waits for READY the container is not locked: kill ends it, and start with it', async (t) => {
  const host = await startNotifyHost(path.join(h.tmp, 'host-kill.sock'), t);
  const id = h.id('notify');
  const bundle = shBundle(id, 'probe sleep 60');
  t.equal(h.cli(['create', '--bundle', bundle, id], envWith(host)).code, 0);
  const start = spawn(h.binary, ['--root', h.root, 'start', id], { ...envWith(host), stdio: 'ignore' });
  const startExit = new Promise<number | null>((resolve) => start.once('exit', (c) => resolve(c)));
  t.ok(await waitFor(() => h.cli(['state', id]).stdout.includes('"running"')), 'released');
  const k = h.cli(['kill', id, 'KILL']);
  t.equal(k.code, 0, `kill while start waits (${k.stderr})`);
  t.equal(await startExit, 0, 'start returns once the container ended');
  t.same(await host.received(), []);
  t.equal(h.cli(['delete', id]).code, 0);
});

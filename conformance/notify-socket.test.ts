// NOTIFY_SOCKET (sd_notify from inside the container, podman's --sdnotify=container), which
// the runtime-spec leaves to the runtime: runc's behaviour is the contract, so every
// scenario runs the same against runc and tsrun. A stand-in for the host's systemd
// (test/helpers/notify-host.ts) records what the runtime forwards.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import { type NotifyHost, startNotifyHost } from '../test/helpers/notify-host';
import type { Bundle } from './lib/bundle';
import { Harness } from './lib/harness';

const h = new Harness();
t.teardown(() => h.cleanup());

type Probe = Record<string, any>;

const withHost = (host: NotifyHost | string) => ({
  env: { NOTIFY_SOCKET: typeof host === 'string' ? host : host.socket },
});

let hosts = 0;
const notifyHost = (t: Test): Promise<NotifyHost> => startNotifyHost(path.join(h.work, `host-${++hosts}.sock`), t);

/** A bundle whose process runs `script` under sh, its output in the rootfs's /out. */
function shBundle(script: string): Bundle {
  return h.makeBundle((c) => (c.process.args = ['/bin/sh', '-c', `{ ${script} ; } > /out 2>&1`]));
}

const outOf = (b: Bundle): string => fs.readFileSync(path.join(b.dir, 'rootfs', 'out'), 'utf8');

t.test('create + start: READY=1 then MAINPID (the init) reach the host before start returns', async (t) => {
  const host = await notifyHost(t);
  const b = shBundle('probe notify STATUS=starting; sleep 1; probe notify READY=1; sleep 60');
  t.equal(h.create(b, [], withHost(host)).code, 0, 'create');
  t.ok(fs.statSync(path.join(h.root, b.id, 'notify')).isDirectory(), 'ROOT/ID/notify made by create');
  const s = h.cli(['start', b.id], withHost(host));
  t.equal(s.code, 0, `start ${s.stderr}`);
  t.same(await host.received(), ['READY=1\n', `MAINPID=${h.state(b.id)?.pid}\n`]);
  t.equal(h.cli(['delete', '--force', b.id]).code, 0, 'delete --force');
  t.notOk(fs.existsSync(path.join(h.root, b.id)), 'the state directory is gone');
});

t.test('inside: NOTIFY_SOCKET=/run/notify/notify.sock, /run/notify a read-only bind', async (t) => {
  const host = await notifyHost(t);
  const b = shBundle('/probe; probe write /run/notify/x y; probe notify READY=1');
  t.equal(h.create(b, [], withHost(host)).code, 0, 'create');
  t.equal(h.cli(['start', b.id], withHost(host)).code, 0, 'start');
  t.equal((await host.received())[0], 'READY=1\n');
  const [report, write] = outOf(b).trim().split('\n');
  const probe = JSON.parse(report ?? '{}') as Probe;
  t.same(
    probe.env?.filter((e: string) => e.startsWith('NOTIFY_SOCKET=')),
    ['NOTIFY_SOCKET=/run/notify/notify.sock'],
    'the env entry',
  );
  const mount = probe.mounts?.find((m: Probe) => m.mountPoint === '/run/notify');
  t.ok(mount?.root.endsWith(`/${b.id}/notify`), `bind of ROOT/ID/notify (${mount?.root})`);
  for (const o of ['ro', 'nosuid', 'nodev', 'noexec']) t.ok(mount?.options.includes(o), `mounted ${o}`);
  t.same(JSON.parse(write ?? '{}'), { ok: false, errno: 'EROFS' }, 'read-only');
  t.equal(h.cli(['delete', b.id]).code, 0, 'delete');
});

t.test('exec: no NOTIFY_SOCKET in its environment', async (t) => {
  const host = await notifyHost(t);
  const b = shBundle('probe notify READY=1; sleep 60');
  t.equal(h.create(b, [], withHost(host)).code, 0, 'create');
  t.equal(h.cli(['start', b.id], withHost(host)).code, 0, 'start');
  t.equal((await host.received()).length, 2, 'READY and MAINPID');
  const e = h.cli(['exec', b.id, '/bin/sh', '-c', 'echo "[$NOTIFY_SOCKET]"'], withHost(host));
  t.equal(e.code, 0, e.stderr);
  t.equal(e.stdout, '[]\n');
  t.equal(h.cli(['delete', '--force', b.id]).code, 0, 'delete --force');
});

t.test('only a datagram beginning with READY= is passed on, its first line', async (t) => {
  const host = await notifyHost(t);
  const b = shBundle('probe notify "STATUS=x\nREADY=1"; probe notify "READY=0\nSTATUS=y"; sleep 60');
  t.equal(h.create(b, [], withHost(host)).code, 0, 'create');
  t.equal(h.cli(['start', b.id], withHost(host)).code, 0, 'start');
  t.same(await host.received(), ['READY=0\n', `MAINPID=${h.state(b.id)?.pid}\n`]);
  t.equal(h.cli(['delete', '--force', b.id]).code, 0, 'delete --force');
});

t.test('the container ends without READY: start exits 0, nothing is forwarded', async (t) => {
  const host = await notifyHost(t);
  const b = shBundle('probe notify STATUS=failing; exit 3');
  t.equal(h.create(b, [], withHost(host)).code, 0, 'create');
  const s = h.cli(['start', b.id], withHost(host));
  t.equal(s.code, 0, `start ${s.stderr}`);
  t.same(await host.received(), []);
  t.equal(h.cli(['delete', b.id]).code, 0, 'delete');
});

t.test('start with NOTIFY_SOCKET, create without: start fails, the container stays created', (t) => {
  const b = shBundle('true');
  t.equal(h.create(b).code, 0, 'create');
  const s = h.cli(['start', b.id], withHost(path.join(h.work, 'unused.sock')));
  t.equal(s.code, 1, 'exit 1');
  t.match(s.stderr, /listen unixgram \S+\/notify\/notify\.sock: bind: no such file or directory/);
  t.equal(h.state(b.id)?.status, 'created');
  t.equal(h.cli(['delete', b.id]).code, 0, 'delete');
  t.end();
});

t.test('a host socket that is not there: start fails, the process runs', (t) => {
  const missing = withHost(path.join(h.work, 'missing.sock'));
  const b = shBundle('sleep 60');
  t.equal(h.create(b, [], missing).code, 0, 'create');
  const s = h.cli(['start', b.id], missing);
  t.equal(s.code, 1, 'exit 1');
  t.match(s.stderr, /dial unixgram \S+missing\.sock: connect: no such file or directory/);
  t.equal(h.state(b.id)?.status, 'running');
  t.equal(h.cli(['delete', '--force', b.id]).code, 0, 'delete --force');
  t.end();
});

t.test('run -d returns once READY was forwarded, MAINPID the init', async (t) => {
  const host = await notifyHost(t);
  const b = shBundle('sleep 1; probe notify READY=1; sleep 60');
  const r = h.cli(['run', '-d', '--bundle', b.dir, b.id], withHost(host));
  t.equal(r.code, 0, r.stderr);
  t.same(await host.received(), ['READY=1\n', `MAINPID=${h.state(b.id)?.pid}\n`]);
  t.equal(h.cli(['delete', '--force', b.id]).code, 0, 'delete --force');
});

t.test("run in the foreground: MAINPID is the runtime itself, its status the container's", async (t) => {
  const host = await notifyHost(t);
  const b = shBundle('probe notify READY=1; exit 5');
  const run = spawn(h.bin, ['--root', h.root, 'run', '--bundle', b.dir, b.id], {
    env: { ...process.env, ...withHost(host).env },
    stdio: 'ignore',
  });
  const code = await new Promise<number | null>((resolve) => run.once('exit', (c) => resolve(c)));
  t.equal(code, 5, "the container's status");
  t.same(await host.received(), ['READY=1\n', `MAINPID=${run.pid}\n`]);
  t.notOk(fs.existsSync(path.join(h.root, b.id)), 'run deleted the container');
});

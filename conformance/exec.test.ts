// `exec`, which the runtime-spec leaves to the runtime: runc's command line is the
// contract engines use (conmon, containerd's shim), so every scenario here runs the same
// against runc and tsrun. The process must be in the container (namespaces, cgroup) with
// the container's defaults unless a flag or the process file says otherwise.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import type { Bundle } from './lib/bundle';
import { Harness, waitUntil } from './lib/harness';

const h = new Harness();
t.teardown(() => h.cleanup());

type Probe = Record<string, any>;

/** A started container whose init sleeps. */
function started(t: Test, edit?: (c: any) => void): Bundle {
  const b = h.makeBundle((c) => {
    c.process.args = ['/probe', 'sleep', '60'];
    c.process.env = ['PATH=/bin:/usr/bin', 'FROM=config'];
    edit?.(c);
  });
  t.equal(h.create(b).code, 0, 'create');
  t.equal(h.cli(['start', b.id]).code, 0, 'start');
  return b;
}

function execProbe(t: Test, b: Bundle, flags: string[] = []): Probe {
  const r = h.cli(['exec', ...flags, b.id, '/probe']);
  t.equal(r.code, 0, `exec ${flags.join(' ')} /probe ${r.stderr}`);
  try {
    return JSON.parse(r.stdout) as Probe;
  } catch {
    return {};
  }
}

function done(t: Test, b: Bundle): void {
  t.equal(h.cli(['delete', '--force', b.id]).code, 0, 'delete --force');
}

const nsInode = (pid: number, ns: string): number =>
  Number(/\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${pid}/ns/${ns}`))?.[1]);

t.test("the process joins every namespace and the cgroups of the container's init", async (t) => {
  const b = started(t);
  const pid = h.state(b.id)?.pid as number;
  const p = execProbe(t, b);
  for (const ns of ['ipc', 'mnt', 'net', 'pid', 'uts'])
    t.equal(p.namespaces?.[ns], nsInode(pid, ns), `${ns} namespace of the init`);
  t.same(p.cgroup, fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n'), 'cgroups of the init');
  t.equal(p.ppid, 0, 'its parent is outside the pid namespace');
  t.same(p.env, ['PATH=/bin:/usr/bin', 'FROM=config', 'HOME=/root'], "the container's env, HOME added");
  t.same(p.openFds, [0, 1, 2], 'stdio only');
  done(t, b);
});

t.test('flags: --env appends, --cwd, --user uid:gid, --additional-gids, --cap, --no-new-privs', async (t) => {
  const b = started(t, (c) => {
    c.process.capabilities = {
      bounding: ['CAP_KILL'],
      effective: ['CAP_KILL'],
      permitted: ['CAP_KILL'],
    };
  });
  const p = execProbe(t, b, [
    '--env',
    'ADDED=1',
    '--env',
    'FROM=flag',
    '--cwd',
    '/tmp',
    '--user',
    '1000:1001',
    '--additional-gids',
    '5',
    '--additional-gids',
    '7',
    '--cap',
    'CAP_CHOWN',
    '--no-new-privs',
  ]);
  // One entry per name, where it first appears, with its last value (runc's init sets each).
  t.same(p.env, ['PATH=/bin:/usr/bin', 'FROM=flag', 'ADDED=1', 'HOME=/home/tester'], 'env appended, one per name');
  t.equal(p.cwd, '/tmp', '--cwd');
  t.same([p.uid, p.gid], [1000, 1001], '--user');
  t.same(p.groups, [5, 7], '--additional-gids');
  // CAP_KILL (5) and CAP_CHOWN (0); a non-root user's permitted set is emptied by execve
  // (no ambient set), so --cap shows in the bounding set here and in all three as root.
  t.equal(p.capabilities?.bounding, '0000000000000021', '--cap added to the bounding set');
  t.equal(p.noNewPrivs, 1, '--no-new-privs');
  const root = execProbe(t, b, ['--cap', 'CAP_CHOWN']);
  for (const set of ['bounding', 'effective', 'permitted'])
    t.equal(root.capabilities?.[set], '0000000000000021', `--cap added to the ${set} set of root`);
  done(t, b);
});

t.test('--process: a process.json as engines write it', async (t) => {
  const b = started(t);
  const file = path.join(b.dir, 'exec-process.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      terminal: false,
      user: { uid: 2000, gid: 2000, additionalGids: [2001] },
      args: ['/probe'],
      env: ['PATH=/bin', 'ONLY=file'],
      cwd: '/etc',
      capabilities: { bounding: ['CAP_NET_RAW'], effective: ['CAP_NET_RAW'], permitted: ['CAP_NET_RAW'] },
      noNewPrivileges: true,
    }),
  );
  const r = h.cli(['exec', '--process', file, b.id]);
  t.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout || '{}') as Probe;
  t.same([p.uid, p.gid, p.groups], [2000, 2000, [2001]], 'user from the file');
  t.same(p.env, ['PATH=/bin', 'ONLY=file', 'HOME=/'], 'env from the file only');
  t.equal(p.cwd, '/etc', 'cwd from the file');
  t.equal(p.capabilities?.bounding, '0000000000002000', 'capabilities from the file');
  t.equal(p.noNewPrivs, 1, 'noNewPrivileges from the file');
  done(t, b);
});

t.test("exit status, death by signal, and a missing program in runc's words", async (t) => {
  const b = started(t);
  t.equal(h.cli(['exec', b.id, '/bin/sh', '-c', 'exit 7']).code, 7, 'exit 7');
  t.equal(h.cli(['exec', b.id, '/bin/sh', '-c', 'kill -9 $$']).code, 137, 'SIGKILL is 137');
  const missing = h.cli(['exec', b.id, 'no-such-program']);
  t.not(missing.code, 0, 'a missing program fails');
  t.match(missing.stderr, /executable file not found in \$PATH/, 'as runc says it');
  done(t, b);
});

t.test('--detach and --pid-file: the host pid of a process that runs on', async (t) => {
  const b = started(t);
  const pidFile = path.join(b.dir, 'exec.pid');
  const r = h.cli(['exec', '--detach', '--pid-file', pidFile, b.id, '/bin/sleep', '30']);
  t.equal(r.code, 0, r.stderr);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  t.ok(fs.existsSync(`/proc/${pid}`), 'it runs');
  t.equal(nsInode(pid, 'pid'), nsInode(h.state(b.id)?.pid as number, 'pid'), "in the init's pid namespace");
  done(t, b);
});

t.test('--preserve-fds passes the caller’s fd 3', async (t) => {
  const b = started(t);
  const file = path.join(b.dir, 'passed');
  fs.writeFileSync(file, 'through fd 3');
  const fd = fs.openSync(file, 'r');
  try {
    const r = h.cli(['exec', '--preserve-fds', '1', b.id, '/bin/cat', '/proc/self/fd/3'], { extraFds: [fd] });
    t.equal(r.stdout, 'through fd 3', 'fd 3 reaches the process');
  } finally {
    fs.closeSync(fd);
  }
  done(t, b);
});

t.test('a created, never started container takes an exec', async (t) => {
  const b = h.makeBundle((c) => (c.process.args = ['/probe', 'sleep', '60']));
  t.equal(h.create(b).code, 0, 'create');
  const r = h.cli(['exec', b.id, '/bin/echo', 'in-created']);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'in-created\n', 'it ran');
  t.equal((await h.waitStatus(b.id, ['created'])) ?? '', 'created', 'still created');
  done(t, b);
});

t.test('paused and stopped containers are refused', async (t) => {
  const b = started(t);
  t.equal(h.cli(['pause', b.id]).code, 0, 'pause');
  const paused = h.cli(['exec', b.id, '/bin/true']);
  t.not(paused.code, 0, 'exec into a paused container fails');
  t.match(paused.stderr, /cannot exec in a paused container/, 'in runc words');
  t.equal(h.cli(['resume', b.id]).code, 0, 'resume');
  t.equal(h.cli(['kill', b.id, 'KILL']).code, 0, 'kill');
  t.ok(await waitUntil(() => h.state(b.id)?.status === 'stopped'), 'stopped');
  const stopped = h.cli(['exec', b.id, '/bin/true']);
  t.not(stopped.code, 0, 'exec into a stopped container fails');
  t.match(stopped.stderr, /cannot exec in a stopped (container|state)/, 'in runc words');
  done(t, b);
});

// Attacks on the runtime as an attacker makes them: with the image's own files and the
// config's own fields. Each attack was seen to succeed against tsrun before the child was
// hardened, and must fail now.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { chownForUserns, harness, inUserNamespace, runWithConsole, userNamespaceMounts } from '../helpers/harness';
import type { Spec } from '../../src/config/types';

const h = harness(t);

const TOKEN = `escaped-${process.pid}`;
/** A host program outside every rootfs: busybox named `echo`, so running it prints its
 * arguments (TOKEN) whatever the container has. */
const hostMarker = path.join(path.dirname(h.root), 'escape-bin', 'echo');
fs.mkdirSync(path.dirname(hostMarker), { recursive: true });
fs.copyFileSync('/bin/busybox', hostMarker);
fs.chmodSync(hostMarker, 0o755);
/** Enough ".." to climb from any fd's target to the host's "/". */
const UP = '../'.repeat(16);

function shell(edit: (s: Spec) => void, script: string, args: string[] = [], options = {}) {
  const id = h.id('esc');
  const bundle = h.bundle(id, (s) => {
    s.process!.args = ['/bin/sh', '-c', script];
    edit(s);
  });
  return { id, bundle, result: h.cli(['run', ...args, '--bundle', bundle, id], options) };
}

/** The fds a created (waiting) container init holds, with their targets. */
function waitingInitFds(): Map<number, string> {
  const id = h.id('fds');
  const bundle = h.bundle(id);
  const r = h.cli(['create', '--bundle', bundle, id]);
  if (r.code !== 0) throw new Error(r.stderr);
  const pid = JSON.parse(fs.readFileSync(path.join(h.root, id, 'state.json'), 'utf8')).pid as number;
  const fds = new Map<number, string>();
  for (const e of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      fds.set(Number(e), fs.readlinkSync(`/proc/${pid}/fd/${e}`));
    } catch {
      // closed meanwhile
    }
  }
  h.cli(['delete', '--force', id]);
  return fds;
}

// Which numbers to attack: every fd the waiting init holds, and the low ones besides
// (the runtime's fd numbers depend on what its caller left open).
const held = waitingInitFds();
const targets = [...new Set([...held.keys(), ...Array.from({ length: 18 }, (_, i) => i + 3)])]
  .filter((n) => n >= 3)
  .sort((a, b) => a - b);

t.test('a created init holds no runtime fd but the sync socket and the fifo', async (t) => {
  const extra = [...held.entries()].filter(
    ([fd, target]) => fd > 2 && !target.startsWith('socket:') && !target.endsWith('/exec.fifo'),
  );
  t.same(extra, [], `no directory or file of the host (${JSON.stringify([...held.entries()])})`);
  t.ok([...held.values()].filter((v) => v.startsWith('socket:')).length <= 1, 'one socket: the sync socket');
});

t.test('args[0] through /proc/self/fd/N cannot reach a runtime fd (CVE-2016-9962, CVE-2024-21626)', async (t) => {
  for (const n of targets) {
    const { id, result } = shell(
      (s) => (s.process!.args = [`/proc/self/fd/${n}/${UP}${hostMarker.slice(1)}`, TOKEN]),
      '',
    );
    t.notMatch(result.stdout, TOKEN, `fd ${n}: no host program runs`);
    t.equal(result.code, 1, `fd ${n}: refused at create`);
    t.notOk(h.stateDirExists(id), `fd ${n}: nothing left`);
    t.same(h.cgroupsLeft(id), [], `fd ${n}: no cgroup left`);
  }
});

t.test("an image script whose #! names /proc/self/fd/N runs nothing of the host's", async (t) => {
  for (const n of targets) {
    const id = h.id('shebang');
    const bundle = h.bundle(id, (s) => (s.process!.args = ['/evil']));
    fs.writeFileSync(
      path.join(bundle, 'rootfs', 'evil'),
      `#!/proc/self/fd/${n}/${UP}${hostMarker.slice(1)} ${TOKEN}\n`,
      { mode: 0o755 },
    );
    const r = h.cli(['run', '--bundle', bundle, id]);
    t.notMatch(r.stdout, TOKEN, `fd ${n}: the interpreter is not reached`);
    t.not(r.code, 0, `fd ${n}: the exec fails`);
  }
});

t.test(
  'an image script whose #! is /proc/self/exe does not run the runtime in the container (CVE-2019-5736)',
  async (t) => {
    // The runtime's child is a copy of node: were node started as the container's process,
    // the container could open its /proc/PID/exe and, once it exits, write the host's node.
    // The script is valid JavaScript after its #! line: node would print TOKEN.
    const evil = `#!/proc/self/exe\nconsole.log(${JSON.stringify(TOKEN)});\n`;
    const id = h.id('selfexe');
    const bundle = h.bundle(id, (s) => (s.process!.args = ['/evil']));
    fs.writeFileSync(path.join(bundle, 'rootfs', 'evil'), evil, { mode: 0o755 });
    const run = h.cli(['run', '--bundle', bundle, id]);
    t.notMatch(run.stdout, TOKEN, 'run: node did not run as the container process');
    t.not(run.code, 0, 'run: the exec fails');

    const id2 = h.id('selfexe');
    const bundle2 = h.bundle(id2, (s) => (s.process!.args = ['/bin/sleep', '100']));
    fs.writeFileSync(path.join(bundle2, 'rootfs', 'evil'), evil, { mode: 0o755 });
    t.equal(h.cli(['run', '--detach', '--bundle', bundle2, id2]).code, 0, 'run -d');
    const ex = h.cli(['exec', id2, '/evil']);
    t.notMatch(ex.stdout, TOKEN, 'exec: node did not run as the container process');
    t.not(ex.code, 0, 'exec: the exec fails');
    t.equal(h.cli(['delete', '--force', id2]).code, 0);
  },
);

t.test('--preserve-fds and LISTEN_FDS pass only what the caller passed', async (t) => {
  const passed = [3, 4].map((n) => {
    const f = path.join(path.dirname(h.root), `passed-${n}`);
    fs.writeFileSync(f, `${n}\n`);
    return fs.openSync(f, 'r');
  });
  t.teardown(() => {
    for (const fd of passed) fs.closeSync(fd);
  });
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
  const list = 'for f in /proc/self/fd/*; do echo "${f##*/} $(readlink $f)"; done';
  const cases: [string, string[], NodeJS.ProcessEnv | undefined][] = [
    ['--preserve-fds 20', ['--preserve-fds', '20'], undefined],
    ['LISTEN_FDS=20', [], { ...process.env, LISTEN_FDS: '20' }],
  ];
  for (const [name, args, env] of cases) {
    const { result } = shell(() => undefined, list, args, {
      stdio: ['ignore', 'pipe', 'pipe', passed[0], passed[1]],
      ...(env ? { env } : {}),
    });
    t.equal(result.code, 0, `${name}: ${result.stderr}`);
    const fds = new Map(
      result.stdout
        .trim()
        .split('\n')
        .map((l) => [Number(l.split(' ')[0]), l.split(' ').slice(1).join(' ')] as [number, string]),
    );
    t.match(fds.get(3), /passed-3$/, `${name}: fd 3 is the caller's`);
    t.match(fds.get(4), /passed-4$/, `${name}: fd 4 is the caller's`);
    // The shell's own glob fd shows as an entry readlink (another process) cannot read.
    const extra = [...fds.entries()].filter(([fd, target]) => fd > 4 && target !== '' && !target.endsWith('/fd'));
    t.same(extra, [], `${name}: no runtime fd in the container`);
  }
  // The attack itself: through every fd, try to list the host's root.
  const climb = `for f in /proc/self/fd/*; do ls "$f/${UP}" 2>/dev/null | grep -qx ${path.basename(path.dirname(h.root))} && echo ${TOKEN}; done; true`;
  const { result } = shell(() => undefined, climb, ['--preserve-fds', '20'], {
    stdio: ['ignore', 'pipe', 'pipe', passed[0], passed[1]],
  });
  t.equal(result.code, 0, result.stderr);
  t.notMatch(result.stdout, TOKEN, 'the host tree is not reachable through any fd');
});

t.test('/dev/console in the image linking to /proc/sys/kernel/core_pattern gets no pty (CVE-2025-52565)', async (t) => {
  const id = h.id('console');
  const bundle = h.bundle(id, (s) => {
    s.process!.terminal = true;
    // No /dev tmpfs: the image's /dev is used as it is; devpts on the image's /dev/pts.
    s.mounts = s.mounts!.filter((m) => m.destination !== '/dev');
    s.process!.args = [
      '/bin/sh',
      '-c',
      'grep -c core_pattern /proc/self/mountinfo; echo x > /proc/sys/kernel/core_pattern && echo WROTE',
    ];
  });
  const dev = path.join(bundle, 'rootfs', 'dev');
  fs.mkdirSync(path.join(dev, 'pts'), { recursive: true });
  fs.symlinkSync('pts/ptmx', path.join(dev, 'ptmx'));
  fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(dev, 'console'));
  fs.writeFileSync(path.join(dev, 'null'), '');
  const before = fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
  const out = await runWithConsole(h, bundle, id, t);
  h.cli(['delete', '--force', id]);
  t.match(out, /^0\s*$/m, `nothing is mounted on core_pattern: ${out}`);
  t.notMatch(out, /WROTE/, 'core_pattern stays read-only');
  t.equal(fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8'), before, "the host's core_pattern is untouched");
  t.ok(fs.lstatSync(path.join(dev, 'console')).isFile(), '/dev/console was replaced by a plain node');
});

t.test('an image /proc that is a symlink is refused: procfs lands only on a real directory', async (t) => {
  const id = h.id('proclink');
  const bundle = h.bundle(id);
  const rootfs = path.join(bundle, 'rootfs');
  fs.rmSync(path.join(rootfs, 'proc'), { recursive: true });
  fs.mkdirSync(path.join(rootfs, 'elsewhere'));
  fs.symlinkSync('/elsewhere', path.join(rootfs, 'proc'));
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 1);
  t.match(r.stderr, /mounts\[0\].*must be mounted on ordinary directory/);
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  t.notOk(h.stateDirExists(id), 'nothing left');
  t.same(h.cgroupsLeft(id), [], 'no cgroup left');
  t.same(h.mountsLeft(), [], 'no mount left');
});

t.test('a sysctl cannot be redirected by a mount under /proc/sys', async (t) => {
  // The config binds a host directory over /proc/sys/kernel: the write must not land in it.
  const hostDir = path.join(path.dirname(h.root), 'fake-sys-kernel');
  fs.mkdirSync(hostDir, { recursive: true });
  fs.writeFileSync(path.join(hostDir, 'domainname'), 'host\n');
  const id = h.id('sysctl');
  const bundle = h.bundle(id, (s) => {
    s.mounts!.splice(1, 0, { destination: '/proc/sys/kernel', type: 'bind', source: hostDir, options: ['bind'] });
    s.linux!.readonlyPaths = [];
    s.linux!.sysctl = { 'kernel.domainname': 'redirected' };
  });
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(fs.readFileSync(path.join(hostDir, 'domainname'), 'utf8'), 'host\n', 'the host file is untouched');
  t.equal(r.code, 1, 'create fails');
  t.match(r.stderr, /linux\.sysctl\."kernel\.domainname"/);
  t.notOk(h.stateDirExists(id));
  t.same(h.cgroupsLeft(id), [], 'no cgroup left');
  t.same(h.mountsLeft(), [], 'no mount left');
});

t.test('a device path that is a symlink in the image is replaced, not followed (user namespace)', async (t) => {
  const id = h.id('devlink');
  const bundle = h.bundle(id, (s) => {
    inUserNamespace(s);
    s.mounts = s.mounts!.filter((m) => !m.destination.startsWith('/dev'));
    s.process!.args = ['/bin/sh', '-c', 'cat /etc/secret-marker; stat -c %F /dev/null'];
  });
  const rootfs = path.join(bundle, 'rootfs');
  fs.writeFileSync(path.join(rootfs, 'etc', 'secret-marker'), 'still-here\n');
  fs.symlinkSync('/etc/secret-marker', path.join(rootfs, 'dev', 'null'));
  chownForUserns(bundle);
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^still-here$/m, 'the link target was not covered by the host device');
  t.match(r.stdout, /character special file/, '/dev/null is the device');
});

t.test('user namespace: a bind source only the runtime can reach is mounted (as runc)', async (t) => {
  // The source itself is open to all; the way to it is not (a 0700 directory of root's).
  const secretDir = path.join(path.dirname(h.root), 'root-only', 'shared');
  fs.mkdirSync(secretDir, { recursive: true });
  fs.chmodSync(path.dirname(secretDir), 0o700);
  fs.writeFileSync(path.join(secretDir, 'data'), 'reachable\n', { mode: 0o644 });
  const id = h.id('usernsbind');
  const bundle = h.bundle(id, (s) => {
    inUserNamespace(s);
    s.mounts!.push({ destination: '/data', type: 'bind', source: secretDir, options: ['rbind', 'ro'] });
    s.process!.args = ['/bin/sh', '-c', 'cat /data/data; grep " /data " /proc/self/mountinfo'];
  });
  chownForUserns(bundle);
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^reachable$/m);
  t.match(r.stdout, / \/data ro[,\s]/, 'read-only as asked');
});

t.test('a joined user namespace whose setgroups is "deny" works without additionalGids (as runc)', async (t) => {
  const holder = spawn('unshare', ['--user', '--map-root-user', 'sleep', '60'], { stdio: 'ignore' });
  t.teardown(() => {
    if (holder.pid !== undefined) process.kill(holder.pid, 'SIGKILL');
  });
  const ns = `/proc/${holder.pid}/ns/user`;
  const deadline = Date.now() + 5000;
  while (fs.readFileSync(`/proc/${holder.pid}/setgroups`, 'utf8').trim() !== 'deny' && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  t.equal(fs.readFileSync(`/proc/${holder.pid}/setgroups`, 'utf8').trim(), 'deny');
  const { result } = shell((s) => {
    s.linux!.namespaces = [{ type: 'user', path: ns }, { type: 'mount' }, { type: 'pid' }, { type: 'uts' }];
    userNamespaceMounts(s);
    // No ipc namespace of its own: the host's mqueue is not the user namespace's to mount.
    s.mounts = s.mounts!.filter((m) => m.type !== 'mqueue');
    delete s.linux!.resources;
  }, 'id -u; cat /proc/self/setgroups');
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /^0\ndeny$/m);
});

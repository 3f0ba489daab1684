// podman drives the runtime under test (ENGINE_RUNTIME, default bin/tsrun) end to end, as its
// users do: run and exit codes, detached containers and their lifecycle, exec, terminals,
// stdio, mounts and process options, resources, commit and security options. Everything lives
// in one private tmpdir (test/engines/lib/podman.ts); after the file a leak check must find
// nothing. Every scenario also passes with ENGINE_RUNTIME=/usr/sbin/runc.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import { image, isRunc, Podman, runtime } from './lib/podman';

const pm = new Podman();
t.comment(`runtime under test: ${runtime}`);
const C = pm.containerArgs();

t.teardown(() => pm.teardown());

t.before(() => pm.importImage());

let seq = 0;
const name = (prefix: string) => `${prefix}-${++seq}`;

/** `podman inspect --format FORMAT` of a container. */
function inspect(ctr: string, format: string): string {
  return pm.ok(['inspect', '--format', format, ctr]);
}

/** `podman run -d` of `cmd`; the container's name. */
function detached(prefix: string, cmd: string[], extra: string[] = []): string {
  const n = name(prefix);
  pm.ok(['run', '-d', '--name', n, ...C, ...extra, image, ...cmd]);
  return n;
}

/** A shell loop as pid 1 that reports SIGUSR1 and ends cleanly on SIGTERM (sh as pid 1 has no
 * default action for either). */
const serve = [
  'sh',
  '-c',
  'echo started; trap "echo got-usr1" USR1; trap "echo bye; exit 0" TERM; while :; do sleep 0.1; done',
];

interface PtyRun {
  output: string;
  status: number;
  error?: string;
}

/** `podman ARGS` under a new pseudo-terminal (test/helpers/pty-run.py), driven by `steps`. */
function underPty(t: Test, args: string[], steps: object[] = []): PtyRun {
  const r = spawnSync(
    'python3',
    [
      path.join(__dirname, '..', 'helpers', 'pty-run.py'),
      JSON.stringify(steps),
      '--',
      'podman',
      ...pm.globalArgs(),
      ...args,
    ],
    { env: pm.env, cwd: pm.tmp, encoding: 'utf8', timeout: 90_000 },
  );
  t.equal(r.status, 0, `pty helper ran to the end${r.status === 0 ? '' : `: ${r.stderr}${r.stdout}`}`);
  return JSON.parse(r.stdout || '{}') as PtyRun;
}

t.test('the leak check finds a process, a mount and a cgroup left behind', async (t) => {
  t.same(pm.leaks(), [], 'nothing before the tests');
  const dir = path.join(pm.tmp, 'leak');
  fs.mkdirSync(dir);
  const sleeper = spawn('sleep', ['1000'], { cwd: dir, stdio: 'ignore' });
  spawnSync('mount', ['-t', 'tmpfs', 'leak', dir]);
  const cgroup = path.join('/sys/fs/cgroup/pids', pm.cgroupParent, 'leak');
  fs.mkdirSync(cgroup, { recursive: true });
  const found = pm.leaks();
  t.ok(
    found.some((l) => l.startsWith(`process ${sleeper.pid}:`)),
    'a process whose cwd is in the tmpdir',
  );
  t.ok(found.includes(`mount ${dir}`), 'a mount under the tmpdir');
  t.ok(found.includes(`cgroup ${cgroup}`), 'a cgroup under the tsrun-test-* parent');
  sleeper.kill('SIGKILL');
  await new Promise((r) => sleeper.once('exit', r));
  spawnSync('umount', [dir]);
  fs.rmdirSync(cgroup);
  fs.rmdirSync(path.dirname(cgroup));
  t.same(pm.leaks(), [], 'nothing once they are removed');
});

t.test('run: output and exit codes, 126 and 127 from the runtime error text', async (t) => {
  const ok = pm.run(['run', '--rm', ...C, image, 'sh', '-c', 'echo hello; echo oops >&2']);
  t.equal(ok.code, 0, 'exit 0');
  t.equal(ok.stdout, 'hello\n', 'stdout');
  t.match(ok.stderr, /oops/, 'stderr');
  t.equal(pm.run(['run', '--rm', ...C, image, 'sh', '-c', 'exit 3']).code, 3, 'exit 3');
  const cannot = pm.run(['run', '--rm', ...C, image, '/etc/passwd']);
  t.equal(cannot.code, 126, `a command that cannot run: 126 (${cannot.stderr.trim()})`);
  t.match(cannot.stderr, /permission denied/, 'the runtime says why');
  const missing = pm.run(['run', '--rm', ...C, image, 'no-such-command']);
  t.equal(missing.code, 127, `a command that does not exist: 127 (${missing.stderr.trim()})`);
  t.match(missing.stderr, /executable file not found in \$PATH/, 'in the words podman reads');
  t.same(pm.ok(['ps', '--all', '--quiet']), '', '--rm left no container');
});

t.test('--network none: a netns with only lo, up (runc brings it up)', async (t) => {
  const r = pm.run(['run', '--rm', ...C, image, 'sh', '-c', 'ls /sys/class/net; cat /sys/class/net/lo/flags']);
  const [ifaces, flags] = r.stdout.trim().split('\n');
  t.equal(ifaces, 'lo', 'only lo');
  t.equal(Number(flags) & 1, 1, `lo is up (flags ${flags})`);
});

t.test('the runtime registered in containers.conf is the default', async (t) => {
  const n = name('conf');
  const r = pm.run(['run', '--name', n, ...C, image, 'echo', 'via-conf'], { noRuntimeFlag: true });
  t.equal(r.code, 0, `runs (${r.stderr.trim()})`);
  t.equal(r.stdout, 'via-conf\n', 'output');
  t.equal(inspect(n, '{{.OCIRuntime}}'), 'engine-runtime', 'podman chose the registered runtime');
  pm.ok(['rm', n]);
});

t.test('run -d, ps, logs, exec, pause/unpause, kill -s, restart, stop, rm, rm -f', async (t) => {
  const n = detached('life', serve);
  t.match(pm.ok(['ps', '--format', '{{.Names}} {{.Status}}']), new RegExp(`^${n} Up`, 'm'), 'ps lists it up');
  const ex = pm.run(['exec', '-u', '1000', '-w', '/tmp', '-e', 'FOO=bar', n, 'sh', '-c', 'id -u; pwd; echo $FOO']);
  t.equal(ex.stdout, '1000\n/tmp\nbar\n', 'exec -u -w -e');
  t.equal(pm.run(['exec', n, 'sh', '-c', 'exit 7']).code, 7, "exec's exit code");
  t.equal(pm.run(['exec', n, 'tty']).stdout, 'not a tty\n', 'exec without -t has no terminal');

  pm.ok(['pause', n]);
  t.equal(inspect(n, '{{.State.Status}}'), 'paused', 'paused');
  pm.ok(['unpause', n]);
  t.equal(inspect(n, '{{.State.Status}}'), 'running', 'running again');

  pm.ok(['kill', '--signal', 'USR1', n]);
  // The trap runs between sleeps: wait for podman's log to show it (no time limit but the test's).
  while (!pm.ok(['logs', n]).includes('got-usr1')) await new Promise((r) => setTimeout(r, 100));
  t.equal(inspect(n, '{{.State.Status}}'), 'running', 'kill -s USR1 reached the trap; still running');

  pm.ok(['restart', '--time', '5', n]);
  t.equal(inspect(n, '{{.State.Status}}'), 'running', 'restarted');
  pm.ok(['stop', '--time', '5', n]);
  t.equal(inspect(n, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 0', 'stop: SIGTERM, exit 0');
  t.equal(pm.ok(['logs', n]), 'started\ngot-usr1\nbye\nstarted\nbye', 'logs of both runs');
  pm.ok(['rm', n]);
  t.equal(pm.run(['inspect', n]).code, 125, 'rm removed it');

  const f = detached('rmf', ['sleep', '1000']);
  pm.ok(['rm', '--force', '--time', '0', f]);
  t.equal(pm.run(['inspect', f]).code, 125, 'rm -f removed a running container');
});

t.test('terminals: run -it, run -t, exec -t under a real pty', async (t) => {
  const it = underPty(
    t,
    ['run', '-it', '--rm', ...C, image, 'sh'],
    [{ expect: '# ' }, { send: 'tty; echo X$((6*7))\n' }, { expect: 'X42' }, { send: 'exit 5\n' }],
  );
  t.equal(it.status, 5, `run -it: the shell's exit status (${it.error ?? ''})`);
  t.match(it.output, /\/dev\/pts\/0/, 'run -it: the shell has a terminal');

  const tt = underPty(t, ['run', '-t', '--rm', ...C, image, 'sh', '-c', 'tty; stty size; exit 2']);
  t.equal(tt.status, 2, 'run -t: exit status');
  t.match(tt.output, /\/dev\/pts\/0\r\n24 80\r\n/, "run -t: a terminal of the caller's size");

  const n = detached('tty', ['sleep', '1000']);
  const et = underPty(t, ['exec', '-t', n, 'sh', '-c', 'tty; exit 4']);
  t.equal(et.status, 4, 'exec -t: exit status');
  t.match(et.output, /\/dev\/pts\/\d+/, 'exec -t: a terminal');
  pm.ok(['rm', '--force', '--time', '0', n]);
});

t.test('stdin piped in, several MB piped out', async (t) => {
  const input = 'line one\nline two\n';
  const r = pm.run(['run', '--rm', '-i', ...C, image, 'sh', '-c', 'cat; echo end'], { input });
  t.equal(r.stdout, `${input}end\n`, 'stdin reaches the container, to its end');
  const big = spawnSync(
    'podman',
    [...pm.globalArgs(), 'run', '--rm', ...C, image, 'head', '-c', '5000000', '/dev/zero'],
    {
      env: pm.env,
      cwd: pm.tmp,
      maxBuffer: 64 << 20,
    },
  );
  t.equal(big.status, 0, 'exit 0');
  t.equal(big.stdout.length, 5_000_000, 'all 5000000 bytes came out');
  t.ok(
    big.stdout.every((b) => b === 0),
    'unchanged',
  );
});

t.test('env, bind/named/tmpfs volumes, --read-only, --hostname, --user, --workdir', async (t) => {
  const bind = path.join(pm.tmp, 'bind');
  fs.mkdirSync(bind);
  fs.writeFileSync(path.join(bind, 'f'), 'from-host\n');
  const script = [
    'echo "X=$X"',
    'cat /b/f',
    'echo in-volume > /v/x && cat /v/x',
    'grep " /t " /proc/mounts',
    'touch /ro 2>&1',
    'echo > /t/ok && echo tmpfs-writable',
    'hostname',
    'id',
    'pwd',
  ].join('; ');
  const r = pm.run([
    'run',
    '--rm',
    ...C,
    '-e',
    'X=1',
    '-v',
    `${bind}:/b:ro`,
    '-v',
    'vol1:/v',
    '--tmpfs',
    '/t:size=1m,mode=1777',
    '--read-only',
    '--hostname',
    'box',
    '--user',
    '1000:1000',
    '--workdir',
    '/tmp',
    image,
    'sh',
    '-c',
    script,
  ]);
  t.equal(r.code, 0, `exit 0 (${r.stderr.trim()})`);
  const lines = r.stdout.split('\n');
  t.equal(lines[0], 'X=1', 'env');
  t.equal(lines[1], 'from-host', 'bind mount');
  t.equal(lines[2], 'in-volume', 'named volume, writable by the user');
  t.match(lines[3], /^tmpfs \/t tmpfs rw,.*size=1024k/, 'tmpfs with its size');
  t.match(lines[4], /Read-only file system/, '--read-only');
  t.equal(lines[5], 'tmpfs-writable', 'the tmpfs is writable on a read-only rootfs');
  t.equal(lines[6], 'box', '--hostname');
  t.match(lines[7], /^uid=1000\b.* gid=1000\b/, '--user');
  t.equal(lines[8], '/tmp', '--workdir');
  t.equal(
    fs.readFileSync(path.join(pm.ok(['volume', 'inspect', '--format', '{{.Mountpoint}}', 'vol1']), 'x'), 'utf8'),
    'in-volume\n',
    'the named volume kept it',
  );
  pm.ok(['volume', 'rm', 'vol1']);
});

/** A v1 cgroup directory of process `pid`, from the host's side. */
function hostCgroupDir(pid: string, controller: string): string {
  const line = fs
    .readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => l.split(':')[1]?.split(',').includes(controller));
  if (!line) throw new Error(`process ${pid} has no ${controller} cgroup`);
  return path.join('/sys/fs/cgroup', controller, line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1));
}

function hostCgroupFile(pid: string, controller: string, file: string): string {
  return fs.readFileSync(path.join(hostCgroupDir(pid, controller), file), 'utf8').trim();
}

t.test('--memory, --pids-limit, --cpus, --cpuset-cpus; update; stats', async (t) => {
  const n = detached(
    'res',
    ['sleep', '1000'],
    ['--memory', '64m', '--pids-limit', '50', '--cpus', '0.5', '--cpuset-cpus', '0'],
  );
  const files = [
    '/sys/fs/cgroup/memory/memory.limit_in_bytes',
    '/sys/fs/cgroup/pids/pids.max',
    '/sys/fs/cgroup/cpu/cpu.cfs_quota_us',
    '/sys/fs/cgroup/cpu/cpu.cfs_period_us',
    '/sys/fs/cgroup/cpuset/cpuset.cpus',
  ];
  t.equal(pm.ok(['exec', n, 'cat', ...files]), '67108864\n50\n50000\n100000\n0', 'the limits, seen in the container');
  // Before update: podman 4.3's stats shows the limit from its own config, which update leaves.
  const stats = pm.ok(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}}', n]);
  t.match(stats, new RegExp(`^${n} \\S+ / 67.11MB 1$`), `stats --no-stream: memory and pids (${stats})`);
  // podman 4.3's update takes the resource flags of run, less --pids-limit.
  pm.ok(['update', '--memory', '128m', '--cpus', '1', n]);
  const pid = inspect(n, '{{.State.Pid}}');
  t.equal(hostCgroupFile(pid, 'memory', 'memory.limit_in_bytes'), '134217728', 'update: the new memory limit');
  t.equal(hostCgroupFile(pid, 'cpu', 'cpu.cfs_quota_us'), '100000', 'update: the new cpu quota');
  pm.ok(['rm', '--force', '--time', '0', n]);
});

t.test('OOM kill: exit 137 and OOMKilled', async (t) => {
  const n = name('oom');
  const oomFile = path.join(pm.tmp, 'oom');
  fs.rmSync(oomFile, { force: true });
  pm.ok(['run', '--rm', ...C, '--memory', '32m', image, 'true']);
  t.notOk(fs.existsSync(oomFile), 'no oom file after a container that fits its limit');
  const r = pm.run([
    'run',
    '--name',
    n,
    ...C,
    '--memory',
    '32m',
    '--memory-swap',
    '32m',
    image,
    'sh',
    '-c',
    'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo survived',
  ]);
  t.equal(r.code, 137, 'killed by SIGKILL');
  t.equal(inspect(n, '{{.State.ExitCode}}'), '137', 'inspect: exit code');
  t.ok(fs.existsSync(oomFile), "conmon saw the OOM event of the container's memory cgroup");
  t.equal(inspect(n, '{{.State.OOMKilled}}'), 'true', 'inspect: OOMKilled', {
    // conmon 2.1.6 (cgroup v1) writes its "oom" file into its cwd, podman's (hence the
    // tmpdir as cwd), not where podman 4.3 looks for it: the same with runc as with tsrun.
    todo: 'conmon 2.1.6 writes "oom" into its cwd, where podman 4.3 does not look; runc the same',
  });
  pm.ok(['rm', n]);
});

t.test('pause/unpause freezes the processes', async (t) => {
  const n = detached('frz', ['sleep', '1000']);
  pm.ok(['pause', n]);
  const pid = inspect(n, '{{.State.Pid}}');
  t.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /^State:\s+[SD]/m, 'pid 1 is asleep');
  const ex = pm.run(['exec', n, 'true']);
  t.not(ex.code, 0, 'exec into a paused container is refused');
  t.match(ex.stderr, /container state improper/, "in podman's words");
  const dir = hostCgroupDir(pid, 'freezer');
  t.equal(fs.readFileSync(path.join(dir, 'freezer.state'), 'utf8').trim(), 'FROZEN', 'its cgroup is frozen');
  pm.ok(['unpause', n]);
  t.equal(fs.readFileSync(path.join(dir, 'freezer.state'), 'utf8').trim(), 'THAWED', 'thawed');
  pm.ok(['rm', '--force', '--time', '0', n]);
});

t.test('commit: a change in the container becomes an image', async (t) => {
  const n = detached('cm', ['sleep', '1000']);
  pm.ok(['exec', n, 'sh', '-c', 'echo committed > /newfile']);
  pm.ok(['commit', '--quiet', n, 'localhost/committed:1']);
  pm.ok(['rm', '--force', '--time', '0', n]);
  t.equal(
    pm.ok(['run', '--rm', ...C, 'localhost/committed:1', 'cat', '/newfile']),
    'committed',
    'the new image has it',
  );
  pm.ok(['rmi', 'localhost/committed:1']);
});

/** The capability set in /proc/self/status line `field`, as a bigint. */
function caps(status: string, field: string): bigint {
  const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} in ${status}`);
  return BigInt(`0x${m[1]}`);
}

t.test('--cap-add, --cap-drop, no-new-privileges, --sysctl, --ulimit, --init', async (t) => {
  const CAP_CHOWN = 0n;
  const CAP_NET_ADMIN = 12n;
  const base = caps(pm.ok(['run', '--rm', ...C, image, 'cat', '/proc/self/status']), 'CapEff');
  const r = pm.run([
    'run',
    '--rm',
    ...C,
    '--cap-add',
    'NET_ADMIN',
    '--cap-drop',
    'CHOWN',
    image,
    'sh',
    '-c',
    'cat /proc/self/status; chown 1 /tmp; echo chown=$?',
  ]);
  const eff = caps(r.stdout, 'CapEff');
  t.equal((base >> CAP_CHOWN) & 1n, 1n, 'CHOWN is in the default set');
  t.equal((base >> CAP_NET_ADMIN) & 1n, 0n, 'NET_ADMIN is not');
  t.equal(eff, (base | (1n << CAP_NET_ADMIN)) & ~(1n << CAP_CHOWN), 'NET_ADMIN added, CHOWN dropped');
  t.match(r.stdout, /chown=1/, 'chown fails without CHOWN');

  const nnp = (opts: string[]) =>
    pm.ok(['run', '--rm', ...C, ...opts, image, 'grep', 'NoNewPrivs', '/proc/self/status']);
  t.match(nnp([]), /NoNewPrivs:\s+0/, 'no-new-privileges off by default');
  t.match(nnp(['--security-opt', 'no-new-privileges']), /NoNewPrivs:\s+1/, '--security-opt no-new-privileges');

  t.equal(
    pm.ok([
      'run',
      '--rm',
      ...C,
      '--sysctl',
      'kernel.shm_rmid_forced=1',
      image,
      'cat',
      '/proc/sys/kernel/shm_rmid_forced',
    ]),
    '1',
    '--sysctl',
  );
  // --ulimit replaces containers.conf's default_ulimits: nproc must stay within the host's.
  t.equal(
    pm.ok([
      'run',
      '--rm',
      ...C,
      '--ulimit',
      'nofile=500:600',
      '--ulimit',
      'nproc=1024:1024',
      image,
      'sh',
      '-c',
      'ulimit -n; ulimit -Hn',
    ]),
    '500\n600',
    '--ulimit nofile soft and hard',
  );

  const init = pm.ok(['run', '--rm', ...C, '--init', image, 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline']);
  t.match(init, /^\/run\/podman-init -- sh -c /, '--init: podman-init (tini) is pid 1 and runs the command');
});

t.test('seccomp: the default profile, unconfined, a custom one; --privileged; --device', async (t) => {
  const seccomp = (opts: string[]) =>
    pm.ok(['run', '--rm', ...C, ...opts, image, 'grep', '^Seccomp:', '/proc/self/status']);
  t.match(seccomp([]), /Seccomp:\s+2/, 'the default profile is a filter');
  t.match(seccomp(['--security-opt', 'seccomp=unconfined']), /Seccomp:\s+0/, 'seccomp=unconfined: none');
  const unshare = pm.run(['run', '--rm', ...C, image, 'unshare', '-m', 'true']);
  t.not(unshare.code, 0, 'the default profile (and caps) refuse unshare');
  const profile = path.join(pm.tmp, 'no-mkdir.json');
  fs.writeFileSync(
    profile,
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    }),
  );
  const custom = pm.run([
    'run',
    '--rm',
    ...C,
    '--security-opt',
    `seccomp=${profile}`,
    image,
    'sh',
    '-c',
    'mkdir /x; touch /y && echo touched',
  ]);
  t.match(
    custom.stderr,
    /mkdir: can't create directory '\/x': Operation not permitted/,
    'custom profile: mkdir gets EPERM',
  );
  t.equal(custom.stdout, 'touched\n', 'custom profile: the rest is allowed');

  const priv = pm.ok(['run', '--rm', ...C, '--privileged', image, 'sh', '-c', 'cat /proc/self/status; ls /dev']);
  t.match(priv, /Seccomp:\s+0/, '--privileged: no seccomp');
  const hostBounding = caps(fs.readFileSync('/proc/self/status', 'utf8'), 'CapBnd');
  t.equal(caps(priv, 'CapEff'), hostBounding, "--privileged: every capability in the host's bounding set");
  t.match(priv, /^loop0$|^tty0$/m, "--privileged: the host's devices");

  const dev = pm.run([
    'run',
    '--rm',
    ...C,
    '--device',
    '/dev/null:/dev/mynull',
    image,
    'sh',
    '-c',
    'ls -l /dev/mynull; echo x > /dev/mynull && echo wrote',
  ]);
  t.match(dev.stdout, /^crw-rw-rw- .* 1, +3 .* \/dev\/mynull\nwrote\n$/, '--device: the node, usable');
});

/** How much a path holds: bytes of a file, entries of a directory; -1 when absent. */
const sizeScript = (p: string) =>
  `if [ -d ${p} ]; then ls -A ${p} | wc -l; elif [ -e ${p} ]; then wc -c < ${p}; else echo -1; fi`;

t.test('the masked and read-only paths podman asks for', async (t) => {
  // Those of podman's masked paths this host has, with something in them here.
  const masked = ['/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/acpi', '/proc/scsi', '/sys/firmware'];
  const present = masked.filter(
    (p) => Number(spawnSync('sh', ['-c', sizeScript(p)], { encoding: 'utf8' }).stdout.trim()) > 0,
  );
  t.ok(present.length >= 2, `the host has some of them (${present.join(' ')})`);
  const sizes = pm.ok(['run', '--rm', ...C, image, 'sh', '-c', present.map(sizeScript).join('; ')]).split('\n');
  for (const [i, p] of present.entries()) t.equal(sizes[i], '0', `${p} is masked (empty)`);

  const ro = pm.run(['run', '--rm', ...C, image, 'sh', '-c', 'echo 1 > /proc/sys/kernel/domainname; cat /proc/mounts']);
  t.match(ro.stderr, /can't create \/proc\/sys\/kernel\/domainname: Read-only file system/, '/proc/sys is read-only');
  for (const p of ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys']) {
    t.match(ro.stdout, new RegExp(`^proc ${p} proc ro,`, 'm'), `${p} is mounted read-only`);
  }
});

t.test('--memory 1m and --pids-limit 1', async (t) => {
  const small = pm.run(['run', '--rm', ...C, '--memory', '1m', image, 'echo', 'ran']);
  // runc moves its init (runc:[2:INIT], a few MB of Go) into the cgroup before it sets the
  // limit, which the kernel then refuses; tsrun's child is small when it joins. Small, not
  // nothing: forking the init in the cgroup charges it the page tables of the runtime's
  // address space (v1 counts kernel memory), about 420 KB with Bun, so 512k, which this test
  // asked before, failed about one run in three under podman.
  const todo = isRunc
    ? "runc sets memory.limit_in_bytes after its init joined the cgroup: 'unable to set memory limit to 1048576'"
    : false;
  t.equal(small.code, 0, `--memory 1m: runs (${small.stderr.trim()})`, { todo });
  t.equal(small.stdout, 'ran\n', '--memory 1m: output', { todo });
  const one = pm.run([
    'run',
    '--rm',
    ...C,
    '--pids-limit',
    '1',
    image,
    'sh',
    '-c',
    'echo one; (true) || echo not-reached',
  ]);
  // The runtime fits in one pid; busybox sh exits 2 when it cannot fork.
  t.equal(one.stdout, 'one\n', '--pids-limit 1: the init runs');
  t.equal(one.code, 2, '--pids-limit 1: its fork is refused');
  t.match(one.stderr, /can't fork/, "--pids-limit 1: in the shell's words");
});

t.test('--network host and --uidmap', async (t) => {
  const host = pm.ok([
    'run',
    '--rm',
    '--cgroup-parent',
    `/${pm.cgroupParent}`,
    '--network',
    'host',
    image,
    'readlink',
    '/proc/self/ns/net',
  ]);
  t.equal(host, fs.readlinkSync('/proc/self/ns/net'), "--network host: the host's netns");
  const mapped = pm.ok([
    'run',
    '--rm',
    ...C,
    '--uidmap',
    '0:100000:65536',
    '--gidmap',
    '0:100000:65536',
    image,
    'sh',
    '-c',
    'id -u; cat /proc/self/uid_map; stat -c %u /',
  ]);
  const [uid, map, rootOwner] = mapped.split('\n');
  t.equal(uid, '0', '--uidmap: root inside');
  t.match(map, /^\s*0\s+100000\s+65536$/, '--uidmap: the mapping');
  t.equal(rootOwner, '0', '--uidmap: the rootfs belongs to the mapped root');
});

t.test('nothing is left after the file', async (t) => {
  pm.teardown();
  t.same(pm.leaks(), [], 'no process, mount or cgroup of ours');
  t.notOk(fs.existsSync(pm.tmp), 'the tmpdir is gone');
});

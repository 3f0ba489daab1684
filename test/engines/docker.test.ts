// dockerd drives the runtime end to end: a private dockerd (test/engines/lib/docker.ts) with
// the runtime under test registered as "tsrun" (ENGINE_RUNTIME, bin/tsrun by default), an
// image imported from build/rootfs, and what docker users do: run with output and exit
// codes, -d with logs/stop/rm, exec, -t under a real pty, --memory, --pids-limit, --cap-drop,
// --read-only, --user. No network here: every container runs with --network none. After the
// last test the daemon is stopped and nothing of it may be left on the host.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import { cgroupVersion, readHostHierarchies } from '../../src/cgroups/hierarchies';
import { DockerDaemon, type DockerResult, IMAGE, RUNTIME_NAME } from './lib/docker';
import { dockerLeftovers, isClean, NOTHING_LEFT, removeDockerLeftovers } from './lib/docker-leaks';

const dockerd = new DockerDaemon();
const runtime = path.basename(dockerd.runtime);
const common = ['--runtime', RUNTIME_NAME, '--network', 'none'];

/** `docker run --rm` of IMAGE with the runtime under test. */
function run(opts: string[], command: string[]): DockerResult {
  return dockerd.docker(['run', '--rm', ...common, ...opts, IMAGE, ...command]);
}

/** The probe's JSON in `r`'s output, or null. */
function probeOf(r: DockerResult): Record<string, any> | null {
  try {
    return JSON.parse(r.stdout);
  } catch {
    return null;
  }
}

/** The probe's JSON from `docker run --rm OPTS IMAGE /probe`, or null. */
function probe(opts: string[]): Record<string, any> | null {
  return probeOf(run(opts, ['/probe']));
}

/** Starts a detached container that sleeps; its full id. */
function detached(name: string, opts: string[] = [], command = ['sleep', '1000']): string {
  const r = dockerd.docker(['run', '-d', '--name', name, ...common, ...opts, IMAGE, ...command]);
  if (r.code !== 0) throw new Error(`docker run -d ${name}: ${r.stderr}`);
  return r.stdout.trim();
}

function removeForce(name: string): void {
  dockerd.docker(['rm', '-f', name]);
}

const cgroupV1 = cgroupVersion(readHostHierarchies()) === 1;

/** Where the host mounts `controller`'s hierarchy (its v1 one, or cgroup2 on a pure v2 host). */
function controllerMount(controller: string): string {
  const hier = readHostHierarchies().find((h) => (cgroupV1 ? h.controllers.includes(controller) : h.version === 2));
  if (!hier) throw new Error(`no ${controller} hierarchy`);
  return hier.mountPoint;
}

/** The host's directory of container `id` that holds `controller`'s files. */
function cgroupDir(controller: string, id: string): string {
  return path.join(controllerMount(controller), dockerd.cgroupParent, id);
}

/** The memory limit's file in a container's cgroup, and where the container sees its own. */
const memoryLimit = cgroupV1
  ? { file: 'memory.limit_in_bytes', inside: '/sys/fs/cgroup/memory/memory.limit_in_bytes' }
  : { file: 'memory.max', inside: '/sys/fs/cgroup/memory.max' };

/** Waits (bounded: a guard against a hang, never an assertion on time) until `what` holds. */
async function until(what: () => boolean): Promise<boolean> {
  for (let i = 0; i < 300; i++) {
    if (what()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

t.before(async () => {
  await dockerd.start();
  const r = dockerd.importImage();
  if (r.code !== 0) throw new Error(`docker import: ${r.stderr}`);
});

t.teardown(async () => {
  await Promise.race([dockerd.stop(), new Promise((r) => setTimeout(r, 60_000).unref())]);
  removeDockerLeftovers(dockerd);
});

t.test('run: output, exit codes, and docker 126/127 for a command that cannot run', async (t) => {
  const hello = run([], ['/bin/echo', 'hello']);
  t.equal(hello.code, 0, `echo exits 0${hello.code === 0 ? '' : `: ${hello.stderr}`}`);
  t.equal(hello.stdout, 'hello\n', 'its output reaches docker run');

  const three = run([], ['sh', '-c', 'echo out; echo err >&2; exit 3']);
  t.equal(three.code, 3, 'the exit code passes through');
  t.equal(three.stdout, 'out\n', 'stdout');
  t.match(three.stderr, /^err$/m, 'stderr');

  const piped = dockerd.docker(['run', '--rm', '-i', ...common, IMAGE, 'cat'], { input: 'piped in\n' });
  t.equal(piped.stdout, 'piped in\n', 'run -i: stdin reaches the process');

  // dockerd reads these from the runtime's error text, as podman does.
  const missing = run([], ['/nonexistent']);
  t.equal(missing.code, 127, 'a missing command: 127');
  t.match(missing.stderr, /\/nonexistent.*no such file or directory/, `it names the path: ${missing.stderr.trim()}`);
  const notExecutable = run([], ['/etc/passwd']);
  t.equal(notExecutable.code, 126, 'a file that cannot be executed: 126');
  t.match(notExecutable.stderr, /\/etc\/passwd.*permission denied/, 'it names the path');

  const r = run([], ['/probe']);
  const p = probeOf(r);
  t.ok(p, `the probe ran${p ? '' : `: ${r.stderr}`}`);
  t.equal(p?.pid, 1, 'the process is pid 1 of its own pid namespace');
  t.ok(
    (p?.cgroup as string[] | undefined)?.some((l) => l.includes(`:/${dockerd.cgroupParent}/`)),
    `its cgroups are under /${dockerd.cgroupParent}`,
  );
  t.same(p?.rlimits?.RLIMIT_NOFILE, { soft: 1024, hard: 1024 }, "the daemon's default ulimit (nofile 1024)");
  t.equal(dockerd.docker(['ps', '-aq']).stdout, '', '--rm removed every container');
});

t.test('run -d, logs, stop, rm', async (t) => {
  const id = detached(
    'd1',
    [],
    ['sh', '-c', 'echo started; trap "echo bye; exit 0" TERM; while true; do sleep 1; done'],
  );
  const binary = dockerd.runtimeBinaryOf(id);
  t.equal(binary, dockerd.runtime, `containerd's shim runs ${runtime} for it`);
  t.ok(await until(() => dockerd.docker(['logs', 'd1']).stdout.includes('started')), 'logs shows its output');
  t.equal(dockerd.docker(['inspect', '-f', '{{.State.Running}}', 'd1']).stdout.trim(), 'true', 'it runs');

  const stop = dockerd.docker(['stop', 'd1']);
  t.equal(stop.code, 0, `stop${stop.code === 0 ? '' : `: ${stop.stderr}`}`);
  t.equal(dockerd.docker(['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', 'd1']).stdout.trim(), 'false 0');
  t.equal(dockerd.docker(['logs', 'd1']).stdout, 'started\nbye\n', 'SIGTERM reached its trap');

  // sh as pid 1 ignores SIGTERM without a trap: stop falls back to SIGKILL.
  detached('d2');
  t.equal(dockerd.docker(['stop', '-t', '1', 'd2']).code, 0, 'stop of a process that ignores SIGTERM');
  t.equal(dockerd.docker(['inspect', '-f', '{{.State.ExitCode}}', 'd2']).stdout.trim(), '137', 'killed: 137');

  t.equal(dockerd.docker(['rm', 'd1', 'd2']).code, 0, 'rm');
  t.equal(dockerd.docker(['ps', '-aq']).stdout, '', 'no container left');
  // dockerd 20.10 gives every runtime the --root runtime-runc under its exec root.
  t.same(fs.readdirSync(path.join(dockerd.tmp, 'exec', 'runtime-runc', 'moby')), [], 'no runtime state left');
});

t.test('exec, with -u, -w, -e; exit codes', async (t) => {
  detached('e1', ['--env', 'FROM_RUN=1']);
  t.teardown(() => removeForce('e1'));
  const plainRun = dockerd.docker(['exec', 'e1', '/probe']);
  const plain = { r: plainRun, p: probeOf(plainRun) };
  t.ok(plain.p, `exec ran the probe${plain.p ? '' : `: ${plain.r.stdout}${plain.r.stderr}`}`);
  t.equal(plain.p?.uid, 0, 'as root');
  t.equal(plain.p?.cwd, '/', 'in /');
  t.not(plain.p?.pid, 1, 'beside the container process, in its pid namespace');
  t.ok((plain.p?.env as string[] | undefined)?.includes('FROM_RUN=1'), "with the container's env");

  const asRun = dockerd.docker(['exec', '-u', '1000:1000', '-w', '/tmp', '-e', 'FOO=bar', 'e1', '/probe']);
  const as = { r: asRun, p: probeOf(asRun) };
  t.ok(as.p, `exec -u -w -e ran the probe${as.p ? '' : `: ${as.r.stdout}${as.r.stderr}`}`);
  t.equal(as.p?.uid, 1000, '-u: uid');
  t.equal(as.p?.gid, 1000, '-u: gid');
  t.equal(as.p?.cwd, '/tmp', '-w: cwd');
  t.ok((as.p?.env as string[] | undefined)?.includes('FOO=bar'), '-e: env');

  t.equal(dockerd.docker(['exec', 'e1', 'sh', '-c', 'exit 7']).code, 7, "the exec'd process's exit code");
  const missing = dockerd.docker(['exec', 'e1', '/nonexistent']);
  t.equal(missing.code, 126, 'a missing command: docker exec gives 126');
  // docker exec prints the daemon's error on stdout.
  t.match(missing.stdout, /\/nonexistent.*no such file or directory/, 'it names the path');
  t.equal(dockerd.docker(['inspect', '-f', '{{.State.Running}}', 'e1']).stdout.trim(), 'true', 'the container runs on');
});

interface PtyRun {
  output: string;
  status: number;
}

/** The docker CLI with `args` under a new pty (test/helpers/pty-run.py), driven by `steps`. */
function underPty(t: Test, steps: object[], args: string[]): PtyRun | null {
  const { argv, env } = dockerd.cliCommand(args);
  const helper = path.join(__dirname, '..', 'helpers', 'pty-run.py');
  const r = spawnSync('python3', [helper, JSON.stringify(steps), '--', ...argv], {
    env,
    encoding: 'utf8',
    timeout: 90_000,
  });
  t.equal(r.status, 0, `pty helper ran to the end${r.status === 0 ? '' : `: ${r.stderr}${r.stdout}`}`);
  try {
    return JSON.parse(r.stdout) as PtyRun;
  } catch {
    return null;
  }
}

t.test('run -it and exec -it under a real pty', async (t) => {
  const script = 'tty; echo ready; read x; echo "got $x"; exit 5';
  const steps = [{ expect: 'ready' }, { send: 'typed\n' }, { expect: 'got typed' }];
  const ran = underPty(t, steps, ['run', '--rm', '-it', ...common, IMAGE, 'sh', '-c', script]);
  t.match(ran?.output, /^\/dev\/pts\/0\r$/m, 'run -t: the process has a terminal');
  t.match(ran?.output, /^typed\r$/m, 'what is typed is echoed by the terminal');
  t.match(ran?.output, /^got typed\r$/m, 'and read by the process');
  t.equal(ran?.status, 5, 'the exit code passes through');

  detached('t1');
  t.teardown(() => removeForce('t1'));
  const exec = underPty(t, steps, ['exec', '-it', 't1', 'sh', '-c', script]);
  t.match(exec?.output, /^\/dev\/pts\/\d+\r$/m, 'exec -t: the process has a terminal');
  t.match(exec?.output, /^got typed\r$/m, 'typed input reaches it');
  t.equal(exec?.status, 5, 'the exit code passes through');
});

t.test('--memory', async (t) => {
  const id = detached('m1', ['--memory', '64m']);
  t.teardown(() => removeForce('m1'));
  const limit = fs.readFileSync(path.join(cgroupDir('memory', id), memoryLimit.file), 'utf8').trim();
  t.equal(limit, '67108864', `the host's ${memoryLimit.file} of its cgroup`);
  const inside = dockerd.docker(['exec', 'm1', 'cat', memoryLimit.inside]);
  t.equal(inside.stdout.trim(), '67108864', "the container sees its own memory cgroup's limit");

  // tail -c N buffers N bytes: over the limit the kernel's OOM killer ends it (SIGKILL). The
  // subshell raises its oom_score_adj so that the victim is never sh, the container's pid 1.
  const r = run(
    ['--memory', '16m'],
    [
      'sh',
      '-c',
      '(echo 1000 >/proc/self/oom_score_adj; head -c 50000000 /dev/zero | tail -c 40000000 >/dev/null); ' +
        'echo big $?; head -c 5000000 /dev/zero | tail -c 4000000 >/dev/null; echo small $?',
    ],
  );
  t.equal(
    r.stdout,
    'big 137\nsmall 0\n',
    `over the limit a process is killed; under it, not (exit ${r.code}: ${r.stderr.trim()})`,
  );
});

t.test('--pids-limit', async (t) => {
  const id = detached('p1', ['--pids-limit', '10']);
  t.teardown(() => removeForce('p1'));
  t.equal(fs.readFileSync(path.join(cgroupDir('pids', id), 'pids.max'), 'utf8').trim(), '10', 'pids.max');

  const r = run(['--pids-limit', '10'], ['sh', '-c', 'for i in $(seq 20); do sleep 60 & done; echo forked']);
  t.match(r.stderr, /can't fork/, 'the 11th process cannot be made');
  t.not(r.stdout, 'forked\n', 'the loop did not get through');
  const free = run(['--pids-limit', '30'], ['sh', '-c', 'for i in $(seq 20); do sleep 1 & done; wait; echo forked']);
  t.equal(free.stdout, 'forked\n', 'with room for them, 20 sleeps run');
});

t.test('--cap-drop', async (t) => {
  const all = probe([])?.capabilities?.bounding;
  const CHOWN = 1n << 0n;
  const NET_RAW = 1n << 13n;
  t.ok(all && (BigInt(`0x${all}`) & (CHOWN | NET_RAW)) === (CHOWN | NET_RAW), 'by default CHOWN and NET_RAW are kept');
  const dropped = probe(['--cap-drop', 'CHOWN', '--cap-drop', 'NET_RAW'])?.capabilities;
  t.ok(dropped, 'the probe ran');
  t.equal(BigInt(`0x${dropped?.bounding ?? '0'}`), BigInt(`0x${all ?? '0'}`) & ~(CHOWN | NET_RAW), 'just those two go');
  t.equal(dropped?.effective, dropped?.bounding, 'from the effective set as well');
  const chown = run(['--cap-drop', 'CHOWN'], ['chown', '1000', '/tmp']);
  t.equal(chown.code, 1, 'root cannot chown without CAP_CHOWN');
  t.match(chown.stderr, /Operation not permitted/);
  t.equal(run([], ['chown', '1000', '/tmp']).code, 0, 'with it, it can');
  t.equal(probe(['--cap-drop', 'ALL'])?.capabilities?.bounding, '0000000000000000', '--cap-drop ALL');
});

t.test('--read-only', async (t) => {
  const ro = run(['--read-only'], ['touch', '/x']);
  t.equal(ro.code, 1, 'the root filesystem cannot be written');
  t.match(ro.stderr, /Read-only file system/);
  const p = probe(['--read-only']);
  const root = (p?.mounts as { mountPoint: string; options: string[] }[] | undefined)?.find(
    (m) => m.mountPoint === '/',
  );
  t.ok(root?.options.includes('ro'), 'its / is mounted ro');
  t.equal(run([], ['touch', '/x']).code, 0, 'without --read-only it can');
});

t.test('--user', async (t) => {
  const ids = probe(['--user', '1000:1000']);
  t.equal(ids?.uid, 1000, 'uid');
  t.equal(ids?.gid, 1000, 'gid');
  t.same(ids?.groups, [1000], 'no supplementary group of root');
  const named = probe(['--user', 'tester']);
  t.equal(named?.uid, 1000, "a name is looked up in the image's /etc/passwd");
  t.equal(named?.capabilities?.effective, '0000000000000000', 'a non-root user has no effective capability');
  const denied = run(['--user', '1000:1000'], ['touch', '/root/x']);
  t.not(denied.code, 0, "the user cannot write root's home");
});

t.test('the leak check finds each kind of leak', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-docker-leak-'));
  const place = {
    tmp,
    pidFile: path.join(tmp, 'docker.pid'),
    cgroupParent: `tsrun-test-docker-leak-${process.pid}`,
  };
  t.teardown(() => removeDockerLeftovers(place));
  t.same(dockerLeftovers(place), NOTHING_LEFT, 'nothing before');

  // A "daemon" in the pid file; a process whose cwd is the tmp dir, one whose command line
  // names it, one in a cgroup below the parent; a mount and a bound network namespace under the tmp dir.
  const daemon = spawn('sleep', ['1000'], { stdio: 'ignore' });
  fs.writeFileSync(place.pidFile, `${daemon.pid}\n`);
  const inTmp = spawn('sleep', ['1000'], { stdio: 'ignore', cwd: tmp });
  fs.writeFileSync(path.join(tmp, 'log'), '');
  const namesTmp = spawn('tail', ['-f', path.join(tmp, 'log')], { stdio: 'ignore', cwd: '/' });
  const cgroup = path.join(controllerMount('pids'), place.cgroupParent, 'leak');
  fs.mkdirSync(cgroup, { recursive: true });
  const inCgroup = spawn('sleep', ['1000'], { stdio: 'ignore', cwd: '/' });
  fs.writeFileSync(path.join(cgroup, 'cgroup.procs'), String(inCgroup.pid));
  fs.mkdirSync(path.join(tmp, 'mnt'));
  t.equal(spawnSync('mount', ['-t', 'tmpfs', 'leak', path.join(tmp, 'mnt')]).status, 0, 'a tmpfs mounted');
  fs.writeFileSync(path.join(tmp, 'netns'), '');
  t.equal(spawnSync('unshare', [`--net=${path.join(tmp, 'netns')}`, 'true']).status, 0, 'a netns bound');

  const left = dockerLeftovers(place);
  t.same(left.daemon, [daemon.pid], 'the daemon of the pid file');
  t.same(
    left.processes,
    [inTmp.pid, namesTmp.pid, inCgroup.pid].sort((a, b) => a! - b!),
    'the processes: by cwd, by command line and by cgroup',
  );
  t.same(left.mounts.sort(), [path.join(tmp, 'mnt'), path.join(tmp, 'netns')].sort(), 'the mounts');
  t.same(left.netns, [path.join(tmp, 'netns')], 'the network namespace');
  t.same(left.cgroups, [cgroup], 'the cgroup');

  removeDockerLeftovers(place);
  t.same(dockerLeftovers(place), NOTHING_LEFT, 'nothing after removing them');
  t.notOk(fs.existsSync(tmp), 'the tmp dir is gone');
});

t.test('after dockerd stops, nothing of it is left', async (t) => {
  t.equal(dockerd.docker(['ps', '-aq']).stdout, '', 'every test removed its containers');
  const pid = dockerd.daemonPid();
  t.ok(pid, 'dockerd wrote its pid file');
  await dockerd.stop();
  let left = dockerLeftovers(dockerd);
  // Exiting processes take a moment: wait (bounded) for them, then report what remains.
  await until(() => isClean((left = dockerLeftovers(dockerd))));
  t.same(left, NOTHING_LEFT, `nothing left with ${runtime}`);
});

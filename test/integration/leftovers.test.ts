// The harness's leak checkers can fail: each test leaves something behind on purpose with a
// harness of its own, asserts the checker reports it, and that removeLeftovers() then removes
// it. The last test runs a test file that leaks and asserts the check after each test fails it.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import t, { type Test } from 'tap';
import { Harness, harness, isEmpty, isRunning, repo } from '../helpers/harness';
import { cgroupMountPoints } from '../helpers/leftovers';

harness(t);

/** A harness of the test's own, for leaving things behind; removed at the end of the test. */
function scratch(t: Test): Harness {
  const x = new Harness();
  t.teardown(() => x.cleanup());
  return x;
}

/** The mount points of the host's cgroup2 hierarchy, from mountinfo. */
function cgroup2Mounts(): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => / - cgroup2 /.test(l))
    .map((l) => l.split(' ')[4]!);
}

/** A process that is not a child of the test (its shell exits at once: it is reparented),
 * running `argv`; its pid. */
function orphan(argv: string[]): number {
  const r = spawnSync('sh', ['-c', '"$@" </dev/null >/dev/null 2>&1 & echo $!', 'sh', ...argv], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

/** v1 cpuset takes no process until cpus and mems are set: copy them down from the root. */
function seedCpuset(mount: string, dir: string): void {
  for (const f of ['cpuset.cpus', 'cpuset.mems']) {
    const file = path.join(dir, f);
    const top = path.join(mount, f);
    if (fs.existsSync(file) && fs.existsSync(top) && fs.readFileSync(file, 'utf8').trim() === '')
      fs.writeFileSync(file, fs.readFileSync(top, 'utf8'));
  }
}

t.test('the host has a cgroup2 hierarchy, and the checkers look there', async (t) => {
  const v2 = cgroup2Mounts();
  t.equal(v2.length, 1, `one cgroup2 mount (${v2.join(', ')})`);
  t.ok(cgroupMountPoints().includes(v2[0]!), 'cgroupMountPoints includes it');
});

t.test('stateDirsLeft: a created container is reported; removeLeftovers deletes it', async (t) => {
  const x = scratch(t);
  const id = x.id('left');
  t.equal(x.cli(['create', '--bundle', x.bundle(id), id]).code, 0, 'create');
  const pid = JSON.parse(x.cli(['state', id]).stdout).pid as number;
  const left = x.leftovers();
  t.same(left.stateDirs, [id], 'its state directory');
  t.ok(left.processes.includes(pid), 'its init');
  t.same(
    [...left.cgroups].sort(),
    cgroupMountPoints()
      .map((m) => path.join(m, x.cgroupParent, id))
      .sort(),
    'its cgroup in every hierarchy, v1 and v2',
  );
  t.same(x.removeLeftovers(), left, 'removeLeftovers returns what it found');
  t.ok(isEmpty(x.leftovers()), `nothing left: ${JSON.stringify(x.leftovers())}`);
  t.notOk(isRunning(pid), 'the init is gone');
});

t.test('processesLeft: the init of a created container whose state dir was removed by hand', async (t) => {
  const x = scratch(t);
  const id = x.id('orphaned');
  t.equal(x.cli(['create', '--bundle', x.bundle(id), id]).code, 0, 'create');
  const pid = JSON.parse(x.cli(['state', id]).stdout).pid as number;
  fs.rmSync(path.join(x.root, id), { recursive: true });
  t.same(x.stateDirsLeft(), [], 'no state directory: delete cannot find it');
  // Why /proc/PID/root could not tell: the init has pivoted in its own mount namespace.
  t.notOk(fs.readlinkSync(`/proc/${pid}/root`).startsWith(x.tmp), 'its /proc/PID/root does not show the bundle');
  t.same(x.processesLeft(), [pid], 'the init is reported');
  t.ok(x.cgroupsLeft().length > 0, 'and its cgroups');
  x.removeLeftovers();
  t.notOk(isRunning(pid), 'removeLeftovers killed it');
  t.same(x.leftovers(), { processes: [], cgroups: [], mounts: [], stateDirs: [] }, 'nothing left');
});

t.test('processesLeft: a process placed by hand in a cgroup below the parent, in each hierarchy', async (t) => {
  const x = scratch(t);
  const strays = new Map<string, number>();
  for (const mount of cgroupMountPoints()) {
    const parent = path.join(mount, x.cgroupParent);
    const dir = path.join(parent, 'stray');
    fs.mkdirSync(dir, { recursive: true });
    seedCpuset(mount, parent);
    seedCpuset(mount, dir);
    const pid = orphan(['sleep', '60']);
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
    strays.set(dir, pid);
  }
  t.ok(strays.size > 0, `one stray in each of the ${strays.size} hierarchies`);
  const left = x.leftovers();
  t.same(
    left.processes,
    [...strays.values()].sort((a, b) => a - b),
    'each stray is reported',
  );
  t.same([...left.cgroups].sort(), [...strays.keys()].sort(), 'and each cgroup');
  const v2 = cgroup2Mounts()[0]!;
  t.ok(
    left.processes.includes(strays.get(path.join(v2, x.cgroupParent, 'stray'))!),
    'including the one only in the cgroup2 hierarchy',
  );
  x.removeLeftovers();
  for (const [dir, pid] of strays) {
    t.notOk(isRunning(pid), `${pid} killed`);
    t.notOk(fs.existsSync(dir), `${dir} removed`);
  }
  t.same(x.leftovers(), { processes: [], cgroups: [], mounts: [], stateDirs: [] }, 'nothing left');
});

t.test("processesLeft: a process whose command line names the harness's --root", async (t) => {
  // What a runtime's cloned child looks like before execve: the runtime's argv.
  const x = scratch(t);
  const pid = orphan([process.execPath, '-e', 'setTimeout(() => {}, 60000)', '--', '--root', x.root]);
  t.ok(await waitAlive(pid), 'it runs');
  t.same(x.cgroupsLeft(), [], 'in no cgroup of the harness');
  t.same(x.processesLeft(), [pid], 'reported');
  t.same(scratch(t).processesLeft(), [], 'not by a harness with another --root');
  x.removeLeftovers();
  t.notOk(isRunning(pid), 'killed');
});

t.test('processesLeft: a live child of the test process', async (t) => {
  const x = scratch(t);
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  t.same(x.processesLeft(), [child.pid], 'reported');
  x.removeLeftovers();
  await exited;
  t.equal(child.signalCode, 'SIGKILL', 'killed by pid');
  t.same(x.processesLeft(), [], 'nothing left');
});

t.test('cgroupsLeft: cgroups made by hand below the parent, and an own cgroup, in every hierarchy', async (t) => {
  const x = scratch(t);
  const own = `${x.cgroupParent}-own`;
  x.ownCgroup(own);
  const made: string[] = [];
  for (const mount of cgroupMountPoints()) {
    const deeper = path.join(mount, x.cgroupParent, 'by-hand', 'deeper');
    fs.mkdirSync(deeper, { recursive: true });
    fs.mkdirSync(path.join(mount, own));
    made.push(deeper, path.dirname(deeper), path.join(mount, own));
  }
  const left = x.cgroupsLeft();
  t.same([...left].sort(), [...made].sort(), 'every one is reported');
  t.ok(
    left.every((d) => !d.endsWith('/by-hand') || left.indexOf(`${d}/deeper`) < left.indexOf(d)),
    'deepest first',
  );
  t.ok(left.includes(path.join(cgroup2Mounts()[0]!, x.cgroupParent, 'by-hand')), 'including the cgroup2 hierarchy');
  x.removeLeftovers();
  for (const d of made) t.notOk(fs.existsSync(d), `${d} removed`);
  for (const m of cgroupMountPoints()) t.notOk(fs.existsSync(path.join(m, x.cgroupParent)), `${m}: the parent too`);
});

t.test('mountsLeft: mounts under the tmpdir, one on top of another', async (t) => {
  const x = scratch(t);
  const outer = path.join(x.tmp, 'mnt');
  const inner = path.join(outer, 'inner');
  fs.mkdirSync(outer);
  t.equal(spawnSync('mount', ['-t', 'tmpfs', 'tsrun-test', outer]).status, 0, 'mount');
  fs.mkdirSync(inner);
  t.equal(spawnSync('mount', ['-t', 'tmpfs', 'tsrun-test', inner]).status, 0, 'mount inside it');
  t.same(x.mountsLeft(), [outer, inner], 'both reported');
  x.removeLeftovers();
  t.same(x.mountsLeft(), [], 'both unmounted');
});

t.test('the check after each test fails a test that leaves a container, and cleans up', async (t) => {
  // Run by node with tap's TypeScript loader, not by the tap runner: a second runner in the
  // same project shares .tap/processinfo with the one running this file, and failed on it
  // (ENOTEMPTY) under load.
  const loader = pathToFileURL(path.join(repo, 'node_modules', '@tapjs', 'typescript', 'dist', 'esm', 'import.mjs'));
  const r = spawnSync(process.execPath, [`--import=${loader.href}`, path.join(repo, 'test', 'fixtures', 'leaky.ts')], {
    encoding: 'utf8',
    cwd: repo,
    timeout: 120_000,
    env: withoutTapVariables(),
  });
  t.not(r.status, 0, 'the leaky file fails');
  // Its own words when it did not get as far as its tests.
  if (!r.stdout.includes('leaky harness:')) t.comment(`leaky.ts: ${r.error ?? ''} ${r.stderr.slice(-2000)}`);
  t.match(r.stdout, /not ok \d+ - nothing left after "leaves a container"/, 'its check fails that test');
  t.match(r.stdout, /ok \d+ - nothing left after "leaves nothing"/, 'the clean test passes its check');
  const m = /leaky harness: (\S+) (\S+)/.exec(r.stdout);
  t.ok(m, 'the leaky file named its cgroup parent and tmpdir');
  if (!m) return;
  for (const mount of cgroupMountPoints()) t.notOk(fs.existsSync(path.join(mount, m[1]!)), `no ${m[1]} in ${mount}`);
  t.notOk(fs.existsSync(m[2]!), 'its tmpdir is gone');
});

async function waitAlive(pid: number): Promise<boolean> {
  for (let i = 0; i < 500 && !isRunning(pid); i++) await new Promise((r) => setTimeout(r, 10));
  return isRunning(pid);
}

/** The environment without what the running tap passes its test processes (its
 * variables, and the loaders it puts in NODE_OPTIONS). */
function withoutTapVariables(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(TAP|_TAPJS)/.test(k) && k !== 'NODE_OPTIONS'),
  );
}

// Integration-test harness: a private --root, cgroups under a tsrun-test-* parent, bundles
// in a tmpdir with a fresh rootfs copy; checkers for what a test can leave behind
// (processes, cgroups, mounts, state directories: test/helpers/leftovers.ts finds them) and
// a cleanup that removes it. harness(t) checks after every test that nothing was left.
import { type ChildProcess, spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Test } from 'tap';
import { cgroupVersion, readHostHierarchies } from '../../src/cgroups/hierarchies';
import type { Spec } from '../../src/config/types';
import {
  alive,
  cgroupMountPoints,
  cgroupProcs,
  cgroupsBelow,
  inCgroup,
  killProcesses,
  liveProcesses,
  mountPointsUnder,
  namesRoot,
  removeCgroups,
  selfAndAncestors,
  unmount,
} from './leftovers';

export const repo = path.resolve(__dirname, '..', '..');
const tsrunBin = process.env.TSRUN_BIN ?? path.join(repo, 'bin', 'tsrun');
const rootfsSource = path.join(repo, 'build', 'rootfs');
const probeConfig = path.join(repo, 'bundles', 'probe', 'config.json');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Probe = Record<string, any>;

let counter = 0;

export class Harness {
  readonly root: string;
  readonly cgroupParent: string;
  readonly tmp: string;
  private readonly extraCgroups: string[] = [];

  constructor(readonly binary = tsrunBin) {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-it-'));
    // Containers with a user namespace run as a mapped uid that must reach their rootfs.
    fs.chmodSync(this.tmp, 0o755);
    this.root = path.join(this.tmp, 'state');
    this.cgroupParent = `tsrun-test-${process.pid}-${path.basename(this.tmp).slice(-6)}`;
  }

  /** The host directory that holds `controller`'s files for harness container `id` (the
   * v1 hierarchy of the controller, or the one cgroup2 directory on a pure v2 host). */
  cgroupDir(controller: string, id: string): string {
    const hierarchies = readHostHierarchies();
    const hier =
      cgroupVersion(hierarchies) === 1
        ? hierarchies.find((x) => x.version === 1 && x.controllers.includes(controller))
        : hierarchies.find((x) => x.version === 2);
    if (!hier) throw new Error(`no ${controller} hierarchy`);
    return path.join(hier.mountPoint, this.cgroupParent, id);
  }

  /** A cgroup file of harness container `id`, read from the host, trimmed. */
  cgroupFile(controller: string, id: string, file: string): string {
    return fs.readFileSync(path.join(this.cgroupDir(controller, id), file), 'utf8').trim();
  }

  id(prefix = 'c'): string {
    return `${prefix}-${process.pid}-${++counter}`;
  }

  /** A probe config whose cgroup lives under this harness's tsrun-test-* parent. */
  baseSpec(id: string): Spec {
    const spec = JSON.parse(fs.readFileSync(probeConfig, 'utf8')) as Spec;
    spec.linux = { ...spec.linux, cgroupsPath: `/${this.cgroupParent}/${id}` };
    return spec;
  }

  /** Bundle directory with config.json and a private copy of the rootfs. */
  bundle(id: string, edit?: (spec: Spec) => void, opts: { rootfs?: boolean } = {}): string {
    const dir = path.join(this.tmp, 'bundles', id);
    fs.mkdirSync(dir, { recursive: true });
    if (opts.rootfs !== false) spawnSync('cp', ['-a', rootfsSource, path.join(dir, 'rootfs')], { stdio: 'inherit' });
    const spec = this.baseSpec(id);
    edit?.(spec);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec, null, 2));
    return dir;
  }

  /** Run the runtime. stdout and stderr go to files, not pipes: a detached container keeps
   * its copy of them open, and spawnSync would wait for a pipe's end. */
  cli(args: string[], options: SpawnSyncOptions & { stdio?: (string | number)[] } = {}): CliResult {
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const outFile = path.join(this.tmp, `out-${++counter}`);
    const errFile = path.join(this.tmp, `err-${counter}`);
    const out = fs.openSync(outFile, 'w+');
    const err = fs.openSync(errFile, 'w+');
    const stdio = options.stdio
      ? options.stdio.map((s, i) => (i === 1 ? out : i === 2 ? err : s))
      : ['ignore', out, err];
    try {
      const r = spawnSync(this.binary, ['--root', this.root, ...args], {
        timeout: 60_000,
        env,
        ...options,
        stdio: stdio as SpawnSyncOptions['stdio'],
      });
      return {
        code: r.status ?? -1,
        stdout: fs.readFileSync(outFile, 'utf8'),
        stderr: fs.readFileSync(errFile, 'utf8'),
      };
    } finally {
      fs.closeSync(out);
      fs.closeSync(err);
      fs.rmSync(outFile, { force: true });
      fs.rmSync(errFile, { force: true });
    }
  }

  /** run in the foreground, probe as the process; returns the probe's JSON. */
  probe(edit?: (spec: Spec) => void, args: string[] = []): { result: CliResult; probe: Probe | null } {
    const id = this.id('probe');
    const bundle = this.bundle(id, (s) => {
      edit?.(s);
      if (args.length > 0) s.process!.args = ['/probe', ...args];
    });
    const result = this.cli(['run', '--bundle', bundle, id]);
    let probe: Probe | null = null;
    try {
      probe = JSON.parse(result.stdout) as Probe;
    } catch {
      probe = null;
    }
    return { result, probe };
  }

  stateDirExists(id: string): boolean {
    return fs.existsSync(path.join(this.root, id));
  }

  /** A cgroup outside the tsrun-test-* parent that a test makes on purpose (a path from the
   * hierarchy root, its last component named tsrun-test-*): checked and removed as the
   * harness's own. */
  ownCgroup(rel: string): void {
    this.extraCgroups.push(rel);
  }

  /** A refused command's rollback: container `id` left no state directory, no cgroup, and
   * the harness no mount or process. */
  expectNothingLeft(t: Test, id: string): void {
    t.notOk(this.stateDirExists(id), 'no state directory');
    t.same(this.cgroupsLeft(id), [], 'no cgroup');
    t.same(this.mountsLeft(), [], 'no mount');
    t.same(this.processesLeft(), [], 'no process');
  }

  /** Bad input: exit status 1, one line matching `pattern`, and nothing left behind. */
  expectRefused(t: Test, id: string, r: { code: number; stderr: string }, pattern: RegExp): void {
    t.equal(r.code, 1, 'exit status 1');
    const lines = r.stderr.trim().split('\n');
    t.equal(lines.length, 1, `one line: ${r.stderr}`);
    t.match(lines[0], pattern);
    this.expectNothingLeft(t, id);
  }

  /** The container state directories left in --root. */
  stateDirsLeft(): string[] {
    return fs.existsSync(this.root) ? fs.readdirSync(this.root).sort() : [];
  }

  /** The harness's cgroups in every hierarchy, v1 and v2: with `id`, that container's cgroup
   * wherever it exists; without, every cgroup below the tsrun-test-* parent (the bare parent
   * is none: tsrun leaves a parent it found when the container that made it goes first)
   * and the cgroups of ownCgroup. Deepest first. */
  cgroupsLeft(id?: string): string[] {
    const left: string[] = [];
    for (const mount of cgroupMountPoints()) {
      if (id !== undefined) {
        const dir = path.join(mount, this.cgroupParent, id);
        if (fs.existsSync(dir)) left.push(dir);
        continue;
      }
      left.push(...cgroupsBelow(path.join(mount, this.cgroupParent)));
      for (const rel of this.extraCgroups) {
        const dir = path.join(mount, rel);
        if (fs.existsSync(dir)) left.push(...cgroupsBelow(dir), dir);
      }
    }
    return left;
  }

  /** Mount points under this harness's tmpdir (bundles, rootfs copies) in the test's mount
   * namespace. */
  mountsLeft(): string[] {
    return mountPointsUnder(this.tmp);
  }

  /** Processes left by this harness's containers, alive (not zombies), never the test process
   * or its ancestors: the members of its cgroups (cgroup.procs of the tsrun-test-* parent and
   * every cgroup below it, every hierarchy); the runtime's processes and its cloned children
   * that have not exec'd (their command line names this --root); the test process's own live
   * children (what it spawned or cloned itself). */
  processesLeft(): number[] {
    const pids = new Set<number>();
    for (const mount of cgroupMountPoints())
      for (const rel of [this.cgroupParent, ...this.extraCgroups]) {
        const top = path.join(mount, rel);
        for (const dir of [top, ...cgroupsBelow(top)]) for (const pid of cgroupProcs(dir)) pids.add(pid);
      }
    for (const p of liveProcesses()) if (p.ppid === process.pid || namesRoot(p.pid, this.root)) pids.add(p.pid);
    const mine = selfAndAncestors();
    return [...pids].filter((pid) => !mine.has(pid) && alive(pid)).sort((a, b) => a - b);
  }

  /** Whether a process still carries one of processesLeft's marks (checked again right
   * before it is killed). */
  private marked(pid: number): boolean {
    return (
      [this.cgroupParent, ...this.extraCgroups].some((rel) => inCgroup(pid, `/${rel.replace(/^\/+/, '')}`)) ||
      namesRoot(pid, this.root) ||
      liveProcesses().some((p) => p.pid === pid && p.ppid === process.pid)
    );
  }

  /** Everything this harness has left on the host. */
  leftovers(): Leftovers {
    return {
      processes: this.processesLeft(),
      cgroups: this.cgroupsLeft(),
      mounts: this.mountsLeft(),
      stateDirs: this.stateDirsLeft(),
    };
  }

  /** leftovers(), once they are all gone or after `timeoutMs`: a killed process takes a
   * moment to exit. */
  async settledLeftovers(timeoutMs = 5_000): Promise<Leftovers> {
    let left = this.leftovers();
    await waitFor(() => isEmpty((left = this.leftovers())), timeoutMs);
    return left;
  }

  /** Remove what this harness left, keeping its tmpdir: each container through `delete
   * --force` (and its state directory by hand if that fails), then what is still there by
   * pid and by path: processes killed (SIGKILL, waited for), cgroups removed deepest first
   * (the parent last), mounts under the tmpdir unmounted. Returns what was there before. */
  removeLeftovers(): Leftovers {
    const before = this.leftovers();
    for (const id of before.stateDirs) {
      this.cli(['delete', '--force', id]);
      fs.rmSync(path.join(this.root, id), { recursive: true, force: true });
    }
    killProcesses(this.processesLeft(), (pid) => this.marked(pid));
    const parents = cgroupMountPoints().map((m) => path.join(m, this.cgroupParent));
    removeCgroups([...this.cgroupsLeft(), ...parents]);
    unmount(this.mountsLeft());
    return before;
  }

  /** removeLeftovers(), then the tmpdir (not while a mount is left under it: rm would reach
   * into what is mounted). Returns what was left before. */
  cleanup(): Leftovers {
    const before = this.removeLeftovers();
    const mounts = this.mountsLeft();
    if (mounts.length > 0) throw new Error(`mounts still under ${this.tmp}: ${mounts.join(', ')}`);
    fs.rmSync(this.tmp, { recursive: true, force: true });
    return before;
  }
}

/** What a harness left behind. */
export interface Leftovers {
  processes: number[];
  cgroups: string[];
  mounts: string[];
  stateDirs: string[];
}

export function isEmpty(left: Leftovers): boolean {
  return Object.values(left).every((v: unknown[]) => v.length === 0);
}

/** A Harness whose leftovers are checked after every test of `t` (a direct subtest): the
 * check asserts nothing is left, and removes what is, so the next test starts clean; at the
 * end of the file it checks once more and cleans up (a leftover there fails the file). */
export function harness(t: Test, binary?: string): Harness {
  const h = new Harness(binary);
  t.afterEach(async (sub) => {
    if (sub.parent !== t) return; // a nested test is checked with its parent
    const left = await h.settledLeftovers();
    if (!isEmpty(left)) h.removeLeftovers();
    const whose = h.binary === tsrunBin ? '' : ` (${path.basename(h.binary)})`;
    t.same(left, NOTHING_LEFT, `nothing left after "${sub.name}"${whose}`);
  });
  t.teardown(async () => {
    const left = await h.settledLeftovers();
    h.cleanup();
    if (!isEmpty(left)) throw new Error(`left behind at the end: ${JSON.stringify(left)}`);
  });
  return h;
}

const NOTHING_LEFT: Leftovers = { processes: [], cgroups: [], mounts: [], stateDirs: [] };

/** Wait (bounded) until a condition holds; fixed sleeps flake on a loaded machine. */
export async function waitFor(what: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Whether process `pid` exists and has not exited (a zombie has: it only waits to be reaped). */
export const isRunning = alive;

/** Whether a process has a handler for a signal (SigCgt in /proc/PID/status). */
export function catchesSignal(pid: number, signal: number): boolean {
  try {
    const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m !== null && (BigInt(`0x${m[1]}`) & (1n << BigInt(signal - 1))) !== 0n;
  } catch {
    return false;
  }
}

/** Inode of one of the host's (this test process's) namespaces. */
export function hostNamespace(type: string): number {
  const link = fs.readlinkSync(`/proc/self/ns/${type}`);
  return Number(/\[(\d+)\]/.exec(link)?.[1]);
}

/** Host uid/gid that a user-namespaced test container's root maps to. */
export const USERNS_HOST_ID = 100000;

/** Puts `s` in a new user namespace (0 -> USERNS_HOST_ID, 65536 ids), without the mounts
 * such a container may not make here (userNamespaceMounts). The caller chowns the rootfs
 * (chownForUserns). */
export function inUserNamespace(s: Spec): void {
  s.linux!.namespaces!.push({ type: 'user' });
  s.linux!.uidMappings = [{ containerID: 0, hostID: USERNS_HOST_ID, size: 65536 }];
  s.linux!.gidMappings = [{ containerID: 0, hostID: USERNS_HOST_ID, size: 65536 }];
  userNamespaceMounts(s);
}

/** Drops the mounts a container in a user namespace may not make here: sysfs (without its
 * own network namespace) and cgroup; devpts loses gid=5, which may not be mapped. */
export function userNamespaceMounts(s: Spec): void {
  s.mounts = s.mounts!.filter((m) => m.type !== 'cgroup' && m.destination !== '/sys');
  const pts = s.mounts!.find((m) => m.destination === '/dev/pts');
  if (pts) pts.options = ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'];
}

export function chownForUserns(bundle: string): void {
  spawnSync('chown', ['-R', `${USERNS_HOST_ID}:${USERNS_HOST_ID}`, path.join(bundle, 'rootfs')]);
}

/** Starts test/helpers/console-receiver.py on the unix socket `sock`, killed at the end of
 * the test if still running: it takes the pty master sent over the socket (Node cannot take
 * SCM_RIGHTS) and copies what the container writes on its terminal into `received`. Resolves
 * once it listens; `done` resolves with its exit code once the pty closed. `typed` is written
 * into the master first, as a user at the engine's end types. */
export async function startConsoleReceiver(
  sock: string,
  received: string,
  t: { teardown(fn: () => void): void },
  typed?: string,
): Promise<{ receiver: ChildProcess; done: Promise<number | null> }> {
  const args = [path.join(__dirname, 'console-receiver.py'), sock, received, ...(typed === undefined ? [] : [typed])];
  const receiver = spawn('python3', args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const done = new Promise<number | null>((r) => receiver.on('exit', (c) => r(c)));
  t.teardown(() => {
    if (receiver.exitCode === null) receiver.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    receiver.stdout!.once('data', () => resolve());
    receiver.once('exit', () => reject(new Error('console receiver exited early')));
  });
  return { receiver, done };
}

/** create with --console-socket served by startConsoleReceiver, then start; resolves with
 * what the receiver wrote (the pty's output) once the pty closed, or with
 * "create failed: ..." when create failed. */
export async function runWithConsole(
  h: Harness,
  bundle: string,
  id: string,
  t: { teardown(fn: () => void): void; equal(a: any, b: any, m: string): unknown },
): Promise<string> {
  const sock = path.join(bundle, 'console.sock');
  const received = path.join(bundle, 'console.out');
  const { receiver, done } = await startConsoleReceiver(sock, received, t);
  const c = h.cli(['create', '--console-socket', sock, '--bundle', bundle, id]);
  if (c.code !== 0) {
    receiver.kill('SIGKILL');
    return `create failed: ${c.stderr}`;
  }
  t.equal(h.cli(['start', id]).code, 0, 'start');
  t.equal(await done, 0, 'the pty closed when the process exited');
  return fs.readFileSync(received, 'utf8');
}

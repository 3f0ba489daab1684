// Integration-test harness: a private --root, cgroups under a tsrun-test-* parent, bundles
// in a tmpdir with a fresh rootfs copy, and a cleanup that proves nothing was left behind.
import { type ChildProcess, spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Spec } from '../../src/config/types';

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
  private readonly tmp: string;

  constructor(readonly binary = tsrunBin) {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-it-'));
    // Containers with a user namespace run as a mapped uid that must reach their rootfs.
    fs.chmodSync(this.tmp, 0o755);
    this.root = path.join(this.tmp, 'state');
    this.cgroupParent = `tsrun-test-${process.pid}-${path.basename(this.tmp).slice(-6)}`;
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

  /** cgroup directories of this harness still on the host. */
  cgroupsLeft(id?: string): string[] {
    const left: string[] = [];
    for (const h of fs.readdirSync('/sys/fs/cgroup')) {
      const p = path.join('/sys/fs/cgroup', h, this.cgroupParent, id ?? '');
      if (fs.existsSync(p) && (id !== undefined || fs.readdirSync(p).some((e) => !e.includes('.')))) left.push(p);
    }
    return left;
  }

  /** Mounts on the host that mention this harness's files. */
  mountsLeft(): string[] {
    return fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((l) => l.includes(this.tmp));
  }

  /** Processes whose root or cwd lies in this harness's tmpdir. */
  processesLeft(): number[] {
    const pids: number[] = [];
    for (const e of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      for (const link of ['root', 'cwd']) {
        try {
          if (fs.readlinkSync(`/proc/${e}/${link}`).startsWith(this.tmp)) pids.push(Number(e));
        } catch {
          // gone or not ours to read
        }
      }
    }
    return [...new Set(pids)];
  }

  cleanup(): void {
    const ids = fs.existsSync(this.root) ? fs.readdirSync(this.root) : [];
    for (const id of ids) this.cli(['delete', '--force', id]);
    for (const h of fs.existsSync('/sys/fs/cgroup') ? fs.readdirSync('/sys/fs/cgroup') : []) {
      const parent = path.join('/sys/fs/cgroup', h, this.cgroupParent);
      if (!fs.existsSync(parent)) continue;
      for (const child of fs.readdirSync(parent, { withFileTypes: true }))
        if (child.isDirectory()) fs.rmdirSync(path.join(parent, child.name));
      fs.rmdirSync(parent);
    }
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

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
export function isRunning(pid: number): boolean {
  try {
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');
  } catch {
    return false;
  }
}

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
 * once it listens; `done` resolves with its exit code once the pty closed. */
export async function startConsoleReceiver(
  sock: string,
  received: string,
  t: { teardown(fn: () => void): void },
): Promise<{ receiver: ChildProcess; done: Promise<number | null> }> {
  const receiver = spawn('python3', [path.join(__dirname, 'console-receiver.py'), sock, received], {
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

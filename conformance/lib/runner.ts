// Conformance runner library: drives an OCI runtime (RUNTIME=..., default bin/tsrun) through its
// runc-compatible CLI with a private --root state dir, builds probe bundles in tmpdirs, and cleans up
// every container, cgroup, bundle and helper process it made.
//
// Every container's linux.cgroupsPath is /tsrun-test-conf-<pid>/<id>; cleanup() removes the
// tsrun-test-conf-<pid> parent (depth first) in every hierarchy under /sys/fs/cgroup/* (incl. unified).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
export const ROOTFS = path.join(REPO, 'build', 'rootfs');
export const BASE_CONFIG = path.join(REPO, 'bundles', 'probe', 'config.json');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Config = any;
export type Probe = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOpts {
  cwd?: string;
  timeoutMs?: number;
  /** file that receives the runtime's (and so the container's) stdout; default: a fresh tmp file */
  stdoutFile?: string;
  /** run the runtime through this prefix (e.g. ['nsenter', '-t', pid, '-m', '--']) */
  wrap?: string[];
  /** the runtime binary; default runtime() */
  runtime?: string;
}

export interface Bundle {
  dir: string;
  id: string;
  rootfs: string;
  config: Config;
  /** rewrite config.json from `config` (after editing it) */
  save(): void;
}

/** Absolute path of the runtime under test: $RUNTIME, default <repo>/bin/tsrun. */
export function runtime(): string {
  const r = process.env.RUNTIME;
  return r ? path.resolve(r) : path.join(REPO, 'bin', 'tsrun');
}

let versionCache: string | undefined;
/** First line of `RUNTIME --version` ('' if it does not answer). */
export function runtimeVersion(bin = runtime()): string {
  if (bin === runtime() && versionCache !== undefined) return versionCache;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20000 });
  const v = `${r.stdout ?? ''}`.split('\n')[0] ?? '';
  if (bin === runtime()) versionCache = v;
  return v;
}

/** True when the runtime under test is runc (known-deviation todos apply only then). */
export function isRunc(): boolean {
  return path.basename(runtime()) === 'runc' || /^runc version/.test(runtimeVersion());
}

/**
 * Marks an assertion for a known deviation of runc: returns tap assertion options with `todo`
 * naming the deviation when RUNTIME is runc; for any other runtime the assertion is required.
 */
export function runcDeviation(reason: string): { todo?: string } {
  return isRunc() ? { todo: `known runc 1.1.5 deviation: ${reason}` } : {};
}

/** A spec requirement where tsrun keeps runc's behaviour on purpose, because engines rely
 * on it (containerd deletes a created, never started task with a plain `delete`): a todo
 * for every runtime, with the reason. */
export function runcBehaviourKept(reason: string): { todo: string } {
  return { todo: `runc's behaviour, kept by tsrun for engine compatibility: ${reason}` };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function readIf(p: string): string {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

/** Capability name -> bit number (linux/capability.h). */
export const CAPS: Record<string, number> = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_BROADCAST: 11,
  CAP_NET_ADMIN: 12,
  CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14,
  CAP_IPC_OWNER: 15,
  CAP_SYS_MODULE: 16,
  CAP_SYS_RAWIO: 17,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_PACCT: 20,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_BOOT: 22,
  CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24,
  CAP_SYS_TIME: 25,
  CAP_SYS_TTY_CONFIG: 26,
  CAP_MKNOD: 27,
  CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29,
  CAP_AUDIT_CONTROL: 30,
  CAP_SETFCAP: 31,
  CAP_MAC_OVERRIDE: 32,
  CAP_MAC_ADMIN: 33,
  CAP_SYSLOG: 34,
  CAP_WAKE_ALARM: 35,
  CAP_BLOCK_SUSPEND: 36,
  CAP_AUDIT_READ: 37,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
  CAP_CHECKPOINT_RESTORE: 40,
};

/** Capability names -> the 16-hex-digit mask /proc/self/status shows. */
export function capMask(names: string[] | undefined): string {
  let m = 0n;
  for (const n of names ?? []) {
    const b = CAPS[n];
    if (b === undefined) throw new Error(`unknown capability ${n}`);
    m |= 1n << BigInt(b);
  }
  return m.toString(16).padStart(16, '0');
}

/** Parse the last line of `text` that is a JSON object (probe output). */
export function parseProbe(text: string): Probe | undefined {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i] as string);
    } catch {
      /* next */
    }
  }
  return undefined;
}

/**
 * One test file's session: a private state root, bundles, containers, helper processes and cgroups,
 * all removed by cleanup(). Use `const h = new Harness(); t.teardown(() => h.cleanup())`.
 */
export class Harness {
  readonly root: string;
  readonly cgParent: string;
  readonly work: string;
  private ids = new Set<string>();
  private helpers = new Set<ChildProcess>();
  private extraCgroups: string[] = [];
  private n = 0;
  private cleaned = false;

  constructor(readonly bin: string = runtime()) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-conf-'));
    this.work = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-conf-work-'));
    fs.chmodSync(this.work, 0o755); // bundles must be reachable by mapped (user namespace) uids
    this.cgParent = `tsrun-test-conf-${process.pid}`;
    if (!fs.existsSync(path.join(ROOTFS, 'probe'))) {
      throw new Error(`${ROOTFS} is not built: run 'make build/probe build/rootfs/.done'`);
    }
  }

  /** A fresh unique container id (registered for cleanup). */
  newId(prefix = 'c'): string {
    const id = `${prefix}-${process.pid}-${++this.n}-${Math.random().toString(36).slice(2, 7)}`;
    this.ids.add(id);
    return id;
  }

  /** Forget nothing: also register an id created by other means. */
  track(id: string): void {
    this.ids.add(id);
  }

  /** Cgroup path (relative to the hierarchy root) used for container `id`. */
  cgroupPath(id: string): string {
    return `/${this.cgParent}/${id}`;
  }

  /**
   * A bundle in a tmpdir: bundles/probe/config.json (cgroupsPath set to /tsrun-test-conf-<pid>/<id>)
   * plus a copy of build/rootfs; `edit` may change the config object before it is written.
   */
  makeBundle(edit?: (config: Config, b: { dir: string; rootfs: string; id: string }) => void): Bundle {
    const id = this.newId();
    const dir = path.join(this.work, `bundle-${id}`);
    const rootfs = path.join(dir, 'rootfs');
    fs.mkdirSync(dir);
    const cp = spawnSync('cp', ['-a', ROOTFS, rootfs]);
    if (cp.status !== 0) throw new Error(`cp -a rootfs failed: ${cp.stderr}`);
    fs.rmSync(path.join(rootfs, '.done'), { force: true });
    const config: Config = JSON.parse(fs.readFileSync(BASE_CONFIG, 'utf8'));
    config.linux.cgroupsPath = this.cgroupPath(id);
    edit?.(config, { dir, rootfs, id });
    const b: Bundle = {
      dir,
      id,
      rootfs,
      config,
      save() {
        fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(b.config, null, 2));
      },
    };
    b.save();
    return b;
  }

  /** Run the runtime with `--root <private root>` + args; stdout/stderr go through files. */
  cli(args: string[], opts: CliOpts = {}): CliResult {
    const bin = opts.runtime ?? this.bin;
    const outFile = opts.stdoutFile ?? path.join(this.work, `out-${++this.n}`);
    const errFile = path.join(this.work, `err-${++this.n}`);
    const out = fs.openSync(outFile, 'a');
    const err = fs.openSync(errFile, 'w');
    const argv = [...(opts.wrap ?? []), bin, '--root', this.root, ...args];
    let r: ReturnType<typeof spawnSync>;
    try {
      r = spawnSync(argv[0] as string, argv.slice(1), {
        cwd: opts.cwd ?? this.work,
        stdio: ['ignore', out, err],
        timeout: opts.timeoutMs ?? 60000,
        killSignal: 'SIGKILL',
        env: envForRuntime(),
      });
    } finally {
      fs.closeSync(out);
      fs.closeSync(err);
    }
    const res: CliResult = {
      code: r.status,
      signal: r.signal,
      stdout: readIf(outFile),
      stderr: readIf(errFile) + (r.error ? `\n[spawn error: ${r.error.message}]` : ''),
    };
    if (!opts.stdoutFile) fs.rmSync(outFile, { force: true });
    fs.rmSync(errFile, { force: true });
    return res;
  }

  /** `create --bundle dir id` with the container's stdout into `stdoutFile` (default bundle/out). */
  create(b: Bundle, extra: string[] = [], opts: CliOpts = {}): CliResult & { outFile: string } {
    const outFile = opts.stdoutFile ?? path.join(b.dir, 'container.out');
    const r = this.cli(['create', '--bundle', b.dir, ...extra, b.id], { ...opts, stdoutFile: outFile });
    return { ...r, outFile };
  }

  /** Parsed `state id` document, or undefined when state fails. */
  state(id: string, opts: CliOpts = {}): Record<string, any> | undefined {
    // eslint-disable-line @typescript-eslint/no-explicit-any
    const r = this.cli(['state', id], opts);
    if (r.code !== 0) return undefined;
    try {
      return JSON.parse(r.stdout);
    } catch {
      return undefined;
    }
  }

  /** Poll `state` until status is one of `want` (or, for want=[], until state fails). */
  async waitStatus(id: string, want: string[], timeoutMs = 10000, opts: CliOpts = {}): Promise<string | undefined> {
    const end = Date.now() + timeoutMs;
    let last: string | undefined;
    for (;;) {
      const s = this.state(id, opts);
      last = s?.status;
      if (want.length === 0 ? s === undefined : last !== undefined && want.includes(last)) return last;
      if (Date.now() > end) return last;
      await sleep(100);
    }
  }

  /**
   * Run the probe (or whatever process.args says) in a container from `config` edits and return its
   * parsed JSON output. mode 'run' (default): foreground `run`; mode 'create': create + start + wait
   * for stopped. The container is deleted afterwards in both cases.
   */
  async runProbe(
    edit?: (config: Config, b: { dir: string; rootfs: string; id: string }) => void,
    opts: { mode?: 'run' | 'create'; prepare?: (b: Bundle) => void; bundle?: Bundle } = {},
  ): Promise<{ probe: Probe | undefined; result: CliResult; bundle: Bundle; output: string }> {
    const b = opts.bundle ?? this.makeBundle(edit);
    opts.prepare?.(b);
    let result: CliResult;
    let output: string;
    if ((opts.mode ?? 'run') === 'run') {
      result = this.cli(['run', '--bundle', b.dir, b.id]);
      output = result.stdout;
    } else {
      const c = this.create(b);
      result = c;
      if (c.code === 0) {
        const s = this.cli(['start', b.id]);
        if (s.code !== 0) result = s;
        else await this.waitStatus(b.id, ['stopped']);
      }
      output = readIf(c.outFile);
    }
    this.cli(['delete', '--force', b.id]);
    return { probe: parseProbe(output), result, bundle: b, output };
  }

  /** Start a long-running helper (e.g. unshare ... sleep 100); killed by pid in cleanup(). */
  helper(cmd: string, args: string[]): ChildProcess {
    const c = spawn(cmd, args, { stdio: 'ignore', detached: true });
    this.helpers.add(c);
    return c;
  }

  killHelper(c: ChildProcess): void {
    if (c.pid && c.exitCode === null && c.signalCode === null) {
      try {
        process.kill(-c.pid, 'SIGKILL'); // its own process group (detached), i.e. unshare and its child
      } catch {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    this.helpers.delete(c);
  }

  /** Register an extra cgroup directory (absolute) to rmdir in cleanup(). */
  trackCgroupDir(dir: string): void {
    this.extraCgroups.push(dir);
  }

  /** Delete every container, kill helpers, remove cgroups, bundles and the state root. */
  cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const id of this.ids) {
      if (fs.existsSync(path.join(this.root, id))) {
        this.cli(['kill', id, 'KILL'], { timeoutMs: 10000 });
        this.cli(['delete', '--force', id], { timeoutMs: 20000 });
      }
    }
    for (const h of [...this.helpers]) this.killHelper(h);
    // cgroups: the tsrun-test-conf-<pid> parent in every hierarchy, depth first; retry briefly
    // while killed processes leave.
    for (let attempt = 0; attempt < 20; attempt++) {
      const left = removeCgroupTrees(this.cgParent).concat(this.extraCgroups.filter((d) => !rmdirTree(d)));
      if (left.length === 0) break;
      spawnSync('sleep', ['0.1']);
    }
    fs.rmSync(this.work, { recursive: true, force: true });
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

function envForRuntime(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** All cgroup hierarchy mount points: /sys/fs/cgroup itself if cgroup2, else its subdirectories. */
export function cgroupHierarchies(): string[] {
  const base = '/sys/fs/cgroup';
  if (fs.existsSync(path.join(base, 'cgroup.controllers'))) return [base];
  return fs
    .readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(base, d.name));
}

/** rmdir a cgroup directory tree depth first; true when it is gone. */
export function rmdirTree(dir: string): boolean {
  let ents: fs.Dirent[];
  try {
    ents = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return true;
  }
  for (const e of ents) if (e.isDirectory()) rmdirTree(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
    return true;
  } catch {
    return !fs.existsSync(dir);
  }
}

/** Remove /sys/fs/cgroup/<h>/<name> trees; returns those that remain. */
export function removeCgroupTrees(name: string): string[] {
  const left: string[] = [];
  for (const h of cgroupHierarchies()) {
    const d = path.join(h, name);
    if (fs.existsSync(d) && !rmdirTree(d)) left.push(d);
  }
  return left;
}

/** Namespace inode number of /proc/<pid>/ns/<name> (readlink 'net:[123]'), or undefined. */
export function nsInode(pid: number | string, name: string): number | undefined {
  try {
    const l = fs.readlinkSync(`/proc/${pid}/ns/${name}`);
    const m = /\[(\d+)\]/.exec(l);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Mount entry of `mountPoint` from a probe report (the last one: the visible mount). */
export function mountAt(p: Probe | undefined, mountPoint: string): Probe | undefined {
  const ms = (p?.mounts ?? []) as Probe[];
  return ms.filter((m) => m.mountPoint === mountPoint).pop();
}

/** Spec references, quoted so each scenario names what it holds. */
export function spec(
  file: 'runtime.md' | 'config.md' | 'config-linux.md' | 'runtime-linux.md',
  phrase: string,
  rt: string[],
): string {
  return `[${file}: "${phrase}"] [runtime-tools: ${rt.join(', ')}]`;
}

/** Every line of `text` that parses as a JSON object, in order (several probe runs via sh -c). */
export function probeLines(text: string): Probe[] {
  const out: Probe[] = [];
  for (const l of text.split('\n')) {
    if (!l.trim().startsWith('{')) continue;
    try {
      out.push(JSON.parse(l));
    } catch {
      /* skip */
    }
  }
  return out;
}

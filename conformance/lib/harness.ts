// One conformance test file's session with the runtime under test (RUNTIME=..., default
// bin/tsrun): a private --root state dir, probe bundles in a tmpdir, the lifecycle driven
// through the CLI, and a cleanup of every container, cgroup, bundle and helper process it
// made.
//
// Every container's linux.cgroupsPath is /tsrun-test-conf-<pid>/<id>; cleanup() removes the
// tsrun-test-conf-<pid> parent (depth first) in every hierarchy under /sys/fs/cgroup/* (incl. unified).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Bundle, type ConfigEdit, makeBundle, requireRootfs } from './bundle';
import { type CliOpts, type CliResult, readIf, runCli } from './cli';
import { removeCgroupTrees, rmdirTree } from './host';
import { type Probe, parseProbe } from './probe';
import { runtime } from './runtime';

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `what` until it holds or `timeoutMs` passes; whether it held. For what can be
 * observed (a handler installed, a file written), never a fixed sleep. */
export async function waitUntil(what: () => boolean, timeoutMs = 10000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
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
    requireRootfs();
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
  makeBundle(edit?: ConfigEdit): Bundle {
    const id = this.newId();
    return makeBundle(path.join(this.work, `bundle-${id}`), id, this.cgroupPath(id), edit);
  }

  /** Run the runtime with `--root <private root>` + args; stdout/stderr go through files. */
  cli(args: string[], opts: CliOpts = {}): CliResult {
    return runCli(opts.runtime ?? this.bin, this.root, args, this.work, opts);
  }

  /** `create --bundle dir id` with the container's stdout into `stdoutFile` (default bundle/out). */
  create(b: Bundle, extra: string[] = [], opts: CliOpts = {}): CliResult & { outFile: string } {
    const outFile = opts.stdoutFile ?? path.join(b.dir, 'container.out');
    const r = this.cli(['create', '--bundle', b.dir, ...extra, b.id], { ...opts, stdoutFile: outFile });
    return { ...r, outFile };
  }

  /** Parsed `state id` document, or undefined when state fails. */
  state(id: string, opts: CliOpts = {}): Record<string, any> | undefined {
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
    edit?: ConfigEdit,
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

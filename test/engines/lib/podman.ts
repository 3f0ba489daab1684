// A private podman for the engine tests: its storage, runroot, tmpdir, volumes, events log
// and network config all live in one mkdtemp directory; containers.conf registers the runtime
// under test (ENGINE_RUNTIME, default bin/tsrun) and every container's cgroup goes under a
// tsrun-test-* parent. No daemon: each call is one `podman` process. teardown() removes
// everything and leaks() says what is left (processes, mounts, cgroups).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repo } from '../../helpers/harness';
import { mountPointsUnder } from '../../helpers/leftovers';
import { cgroupParents, type EngineScope, removeScope, scopeCgroups, scopeProcesses } from './engine-scope';
import { engineEnv, engineRuntime } from './runtime-under-test';

export { isRunc } from './runtime-under-test';
export const runtime = engineRuntime;
export const image = 'localhost/busybox:test';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export class Podman {
  readonly tmp: string;
  readonly cgroupParent: string;
  readonly env: NodeJS.ProcessEnv;
  private tornDown = false;

  constructor() {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-podman-'));
    this.cgroupParent = `tsrun-test-podman-${process.pid}-${path.basename(this.tmp).slice(-6)}`;
    const t = this.tmp;
    fs.mkdirSync(path.join(t, 'net'));
    fs.writeFileSync(
      path.join(t, 'containers.conf'),
      [
        '[containers]',
        // No CAP_SYS_RESOURCE on this host: a hard RLIMIT_NOFILE/NPROC above the host's own
        // cannot be set, so podman's defaults (1048576) fail with runc and tsrun alike.
        'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
        // Debian has no catatonit; tini-static (docker.io's dependency) serves as --init.
        'init_path = "/usr/bin/tini-static"',
        '[network]',
        'network_backend = "cni"',
        `network_config_dir = "${t}/net"`,
        'cni_plugin_dirs = ["/usr/lib/cni"]',
        '[engine]',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        `events_logfile_path = "${t}/events.log"`,
        `tmp_dir = "${t}/tmp"`,
        `volume_path = "${t}/volumes"`,
        `static_dir = "${t}/static"`,
        'runtime = "engine-runtime"',
        '[engine.runtimes]',
        `engine-runtime = ["${runtime}"]`,
        '',
      ].join('\n'),
    );
    // overlay works on this host's ext4 and is what users get; vfs would copy each layer.
    fs.writeFileSync(
      path.join(t, 'storage.conf'),
      `[storage]\ndriver = "overlay"\ngraphroot = "${t}/root"\nrunroot = "${t}/runroot"\n`,
    );
    this.env = engineEnv({
      CONTAINERS_CONF: path.join(t, 'containers.conf'),
      CONTAINERS_STORAGE_CONF: path.join(t, 'storage.conf'),
    });
  }

  /** The global options every call passes: private storage, and the runtime by path. */
  globalArgs(): string[] {
    const t = this.tmp;
    return ['--root', `${t}/root`, '--runroot', `${t}/runroot`, '--tmpdir', `${t}/tmp`, '--runtime', runtime];
  }

  /** `podman ARGS`, to its end. */
  run(args: string[], opts: { input?: string | Buffer; noRuntimeFlag?: boolean } = {}): Result {
    const global = this.globalArgs();
    const r = spawnSync('podman', [...(opts.noRuntimeFlag ? global.slice(0, -2) : global), ...args], {
      env: this.env,
      // conmon writes its "oom" file into its cwd: keep it in the tmpdir.
      cwd: this.tmp,
      input: opts.input,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      timeout: 120_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** `podman ARGS` that must succeed; its stdout, trimmed. */
  ok(args: string[]): string {
    const r = this.run(args);
    if (r.code !== 0) throw new Error(`podman ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** Options for `run`/`create`: our cgroup parent and no network (not the subject here). */
  containerArgs(): string[] {
    return ['--network', 'none', '--cgroup-parent', `/${this.cgroupParent}`];
  }

  /** The image: a tar of build/rootfs (busybox and /probe), imported; nothing is pulled. */
  importImage(): void {
    const tar = path.join(this.tmp, 'rootfs.tar');
    const r = spawnSync('tar', ['-C', path.join(repo, 'build', 'rootfs'), '-cf', tar, '.']);
    if (r.status !== 0) throw new Error(`tar of build/rootfs: ${r.stderr}`);
    this.ok(['import', tar, image]);
  }

  /** Remove every container, volume and image, then podman's storage mounts, then what a
   * failure could still have left (processes by pid, mounts under tmp, our cgroups). */
  teardown(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    this.run(['rm', '--all', '--force', '--time', '0']);
    this.run(['volume', 'rm', '--all', '--force']);
    this.run(['system', 'reset', '--force']);
    removeScope(this.scope());
  }

  private scope(): EngineScope {
    return { dir: this.tmp, cgroupParent: this.cgroupParent };
  }

  /** The parent and every cgroup below it, in every hierarchy, deepest first. */
  cgroupDirs(): string[] {
    return [...scopeCgroups(this.scope()), ...cgroupParents(this.scope()).filter((d) => fs.existsSync(d))];
  }

  /** What this instance left on the host: one line per leftover. With `--network none` podman
   * makes no netns bind mount; one under the tmpdir would show up as a mount. */
  leaks(): string[] {
    return [
      ...scopeProcesses(this.scope()).map((pid) => `process ${pid}: ${cmdline(pid)}`),
      ...mountPointsUnder(this.tmp).map((m) => `mount ${m}`),
      ...this.cgroupDirs().map((d) => `cgroup ${d}`),
    ];
  }
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '?';
  }
}

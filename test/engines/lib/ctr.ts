// A private containerd driven by `ctr`, everything in one temporary directory: the daemon's
// root, state, sockets and config, the image, the IO fifos. containerd 1.6's shims put their
// sockets in /run/containerd/s and the runc shim its runtime root in /run/containerd/runc,
// whatever the daemon's config says, so the daemon runs in a mount namespace of its own in
// which /run is a directory of the tmpdir: nothing of the host's /run is used or changed,
// and the rootfs mounts containerd makes stay out of the host's mount table.
// ctr 1.6 names the runtime binary with `--runc-binary` (the runc shim's BinaryName option;
// `--runtime-config-path` is not read by the runc shim, and the daemon config's BinaryName
// is a CRI setting). Without the flag the shim runs `runc` from the daemon's PATH: the daemon's
// PATH starts with a directory whose `runc` logs its calls and execs the runtime under test.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseMountinfo } from '../../../src/sys/proc';
import { repo } from '../../helpers/harness';
import { alive } from '../../helpers/leftovers';
import { engineEnv, engineRuntime } from './runtime-under-test';

export { engineRuntime };

export const image = 'localhost/busybox:busybox';

/** containerd's default spec's masked and read-only paths (oci/spec.go, 1.6): what ctr's
 * containers and CRI's sandboxes get. */
export const containerdMaskedPaths = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
];
export const containerdReadonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface CtrResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** What a test file adds to the base daemon. */
export interface ContainerdOptions {
  /** Names the tmpdir (tsrun-KIND-) and the cgroup parent (/tsrun-test-KIND-...); 'ctr' by default. */
  kind?: string;
  /** The containerd namespace `ctr` uses; tsrun-test-... by default. */
  namespace?: string;
  /** Plugins the base config disables that this daemon runs (the CRI plugin). */
  enable?: string[];
  /** TOML appended to the daemon's config, given the tmpdir. */
  config?: (dir: string) => string;
  /** Host directories the daemon may write only privately: in its mount namespace each is an
   * overlay whose upper layer is in the tmpdir (the host's files stay readable, writes land
   * in the tmpdir; the directory need not be empty, and nothing is created on the host). */
  overlays?: string[];
}

export class Containerd {
  readonly dir: string;
  /** The cgroup parent (a path from each hierarchy's root) every container goes under. */
  readonly cgroupParent: string;
  readonly namespace: string;
  readonly socket: string;
  readonly pidFile: string;
  readonly fifoDir: string;
  /** One line per call of the `runc` on the daemon's PATH. */
  readonly runtimeCalls: string;
  private daemon: ChildProcess | null = null;
  /** The daemon's mounts once it answered: what it mounts later is its own. */
  private baselineMounts = new Set<string>();

  constructor(private readonly options: ContainerdOptions = {}) {
    const kind = options.kind ?? 'ctr';
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `tsrun-${kind}-`));
    const tag = `${process.pid}-${path.basename(this.dir).slice(-6)}`;
    this.cgroupParent = `/tsrun-test-${kind}-${tag}`;
    this.namespace = options.namespace ?? `tsrun-test-${tag}`;
    this.socket = path.join(this.dir, 'containerd.sock');
    this.pidFile = path.join(this.dir, 'containerd.pid');
    this.fifoDir = path.join(this.dir, 'fifo');
    this.runtimeCalls = path.join(this.dir, 'runtime-calls');
  }

  /** The daemon's pid from its pid file (written at start), or 0. */
  daemonPid(): number {
    try {
      return Number(fs.readFileSync(this.pidFile, 'utf8'));
    } catch {
      return 0;
    }
  }

  /** Write the config and start containerd; resolves once it answers `ctr version`. */
  async start(): Promise<void> {
    const d = this.dir;
    fs.mkdirSync(path.join(d, 'run'));
    fs.mkdirSync(this.fifoDir);
    const bin = path.join(d, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, 'runc'),
      `#!/bin/sh\necho "$*" >> '${this.runtimeCalls}'\nexec '${engineRuntime}' "$@"\n`,
      { mode: 0o755 },
    );
    // No CRI unless asked; the snapshotters other than overlayfs and native would probe the
    // host or need their own devices.
    const disabled = [
      'io.containerd.grpc.v1.cri',
      'io.containerd.snapshotter.v1.aufs',
      'io.containerd.snapshotter.v1.btrfs',
      'io.containerd.snapshotter.v1.devmapper',
      'io.containerd.snapshotter.v1.zfs',
    ].filter((p) => !this.options.enable?.includes(p));
    const config = [
      'version = 2',
      `root = "${d}/root"`,
      `state = "${d}/state"`,
      `disabled_plugins = [${disabled.map((p) => `"${p}"`).join(', ')}]`,
      '[grpc]',
      `  address = "${this.socket}"`,
      '[ttrpc]',
      `  address = "${this.socket}.ttrpc"`,
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${d}/opt"`,
      this.options.config?.(d) ?? '',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(d, 'config.toml'), config);
    const log = fs.openSync(path.join(d, 'containerd.log'), 'a');
    const overlays = (this.options.overlays ?? []).map((target, i) => {
      const layer = path.join(d, 'overlay', String(i));
      fs.mkdirSync(path.join(layer, 'upper'), { recursive: true });
      fs.mkdirSync(path.join(layer, 'work'));
      const opts = `lowerdir=${target},upperdir=${layer}/upper,workdir=${layer}/work`;
      return `mount -t overlay -o '${opts}' overlay '${target}' && `;
    });
    // unshare execs sh, which mounts the private /run (and overlays) and execs containerd:
    // one pid throughout.
    this.daemon = spawn(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount --bind "$1/run" /run && ${overlays.join('')}exec containerd --config "$1/config.toml"`,
        'sh',
        d,
      ],
      { env: { ...engineEnv(), PATH: `${bin}:${process.env.PATH}` }, stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    fs.writeFileSync(this.pidFile, String(this.daemon.pid));
    for (let i = 0; i < 200; i++) {
      if (this.ctr(['version']).code === 0) {
        this.baselineMounts = new Set(this.daemonMountPoints());
        return;
      }
      if (this.daemon.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `containerd did not start: ${fs.readFileSync(path.join(d, 'containerd.log'), 'utf8').slice(-2000)}`,
    );
  }

  /** ctr against this daemon, in our namespace. */
  ctr(args: string[]): CtrResult {
    const r = spawnSync('ctr', ['--address', this.socket, '--namespace', this.namespace, ...args], {
      encoding: 'utf8',
      env: engineEnv(),
      timeout: 120_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** The flags `ctr run` needs for container `id`: our fifos, the runtime (null: the shim's
   * default, `runc` from the daemon's PATH), our cgroup parent. */
  runFlags(id: string, runtime: string | null = engineRuntime): string[] {
    const binary = runtime === null ? [] : ['--runc-binary', runtime];
    return ['--fifo-dir', this.fifoDir, ...binary, '--cgroup', `${this.cgroupParent}/${id}`];
  }

  /** `ctr run [flags] IMAGE ID ARGS...` */
  run(id: string, flags: string[], args: string[], runtime: string | null = engineRuntime): CtrResult {
    return this.ctr(['run', ...this.runFlags(id, runtime), ...flags, image, id, ...args]);
  }

  private daemonMountPoints(): string[] {
    return parseMountinfo(fs.readFileSync(`/proc/${this.daemonPid()}/mountinfo`, 'utf8')).map((m) => m.mountPoint);
  }

  /** Mounts the daemon made in its own mount namespace, where they are not in the host's
   * table: under the tmpdir (rootfs mounts that outlived their container), or anywhere the
   * daemon mounted after it answered (the network namespaces CRI binds in the private /run). */
  daemonMountsUnderDir(): string[] {
    return this.daemonMountPoints().filter((p) => p.startsWith(`${this.dir}/`) || !this.baselineMounts.has(p));
  }

  /** SIGTERM the daemon by pid and wait for it to exit (SIGKILL after a minute: a guard
   * against a hung daemon holding the file up, not a check). */
  async stop(): Promise<void> {
    const daemon = this.daemon;
    const pid = this.daemonPid();
    if (!daemon || pid === 0 || !alive(pid) || daemon.exitCode !== null || daemon.signalCode !== null) return;
    const exited = new Promise((r) => daemon.once('exit', r));
    process.kill(pid, 'SIGTERM');
    const guard = setTimeout(() => daemon.exitCode === null && process.kill(pid, 'SIGKILL'), 60_000);
    await exited;
    clearTimeout(guard);
  }
}

/** An OCI image archive of build/rootfs (umoci builds the layout, tar packs it), in `dir`:
 * tag busybox runs sh; each of `commands` is one more tag of the same layer that runs its
 * command (a pod's sandbox image). */
export function makeImageArchive(dir: string, commands: Record<string, string[]> = {}): string {
  const layout = path.join(dir, 'oci');
  const archive = path.join(dir, 'busybox.tar');
  const steps = [
    ['umoci', 'init', '--layout', layout],
    ['umoci', 'new', '--image', `${layout}:busybox`],
    ['umoci', 'insert', '--image', `${layout}:busybox`, path.join(repo, 'build', 'rootfs'), '/'],
    [
      'umoci',
      'config',
      '--image',
      `${layout}:busybox`,
      '--config.cmd',
      'sh',
      '--config.env',
      'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    ],
    ...Object.entries(commands).map(([tag, cmd]) => [
      'umoci',
      'config',
      '--image',
      `${layout}:busybox`,
      '--tag',
      tag,
      ...cmd.flatMap((arg) => ['--config.cmd', arg]),
    ]),
    ['tar', '-C', layout, '-cf', archive, '.'],
  ];
  for (const [cmd, ...args] of steps) {
    const r = spawnSync(cmd as string, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  }
  fs.rmSync(layout, { recursive: true, force: true });
  return archive;
}

// A private dockerd for the engine tests: every path it uses (data root, exec root with the
// containerd it starts and that containerd's state, pid file, socket, the CLI's config) lives
// in one temporary directory; its containers' cgroups go under a tsrun-test-* parent
// (cgroupfs driver: no systemd here). The runtime under test is registered as "tsrun", so
// the same tests run against runc when ENGINE_RUNTIME names it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repo } from '../../helpers/harness';
import { alive } from '../../helpers/leftovers';
import { engineEnv, engineRuntime } from './runtime-under-test';

// The Debian packages' programs by path: another docker CLI, of another version, may come
// first in PATH.
const dockerd = '/usr/sbin/dockerd';
const dockerCli = '/usr/bin/docker';
const ctr = '/usr/bin/ctr';
const setpriv = '/usr/bin/setpriv';
const rootfs = path.join(repo, 'build', 'rootfs');

/** The name the runtime under test is registered under, for `docker run --runtime`. */
export const RUNTIME_NAME = 'tsrun';
export const IMAGE = 'tsrun-busybox:test';

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class DockerDaemon {
  readonly tmp: string;
  readonly cgroupParent: string;
  readonly pidFile: string;
  readonly socket: string;
  private daemon: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly runtime = engineRuntime) {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-docker-'));
    this.cgroupParent = `tsrun-test-docker-${process.pid}-${path.basename(this.tmp).slice(-6)}`;
    this.pidFile = path.join(this.tmp, 'docker.pid');
    this.socket = path.join(this.tmp, 'docker.sock');
  }

  /** Environment of the runtime and the CLI: no NODE_EXTRA_CA_CERTS (node warns on stderr
   * when it names a missing file, and the runtime's stderr is what docker shows). */
  private env(): NodeJS.ProcessEnv {
    const env = engineEnv({ DOCKER_CONFIG: path.join(this.tmp, 'cli') });
    delete env.DOCKER_HOST;
    return env;
  }

  /** Starts dockerd and waits until its API answers. */
  async start(): Promise<void> {
    const log = fs.openSync(path.join(this.tmp, 'dockerd.log'), 'w');
    const args = [
      `--data-root=${path.join(this.tmp, 'data')}`,
      // dockerd starts its own containerd with root under --data-root and state, socket and
      // config under --exec-root; the runtimes' --root is under --exec-root too.
      `--exec-root=${path.join(this.tmp, 'exec')}`,
      `--pidfile=${this.pidFile}`,
      `--host=unix://${this.socket}`,
      `--add-runtime=${RUNTIME_NAME}=${this.runtime}`,
      '--iptables=false',
      '--ip6tables=false',
      '--ip-masq=false',
      '--bridge=none',
      '--userland-proxy=false',
      `--cgroup-parent=/${this.cgroupParent}`,
      '--exec-opt=native.cgroupdriver=cgroupfs',
      '--storage-driver=overlay2',
      // Without CAP_SYS_RESOURCE this host cannot raise the hard RLIMIT_NOFILE above its own
      // (dockerd's default for containers is 1048576): runc and tsrun alike fail to set it.
      '--default-ulimit=nofile=1024:1024',
      '--log-level=warn',
    ];
    // A test process killed (tap's timeout) runs no teardown: the kernel then sends dockerd
    // the SIGTERM that stop() would, and it stops its containers and its containerd.
    this.daemon = spawn(setpriv, ['--pdeathsig', 'TERM', dockerd, ...args], {
      env: this.env(),
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    const daemon = this.daemon;
    this.exited = new Promise((resolve) => daemon.once('exit', () => resolve()));
    // A guard against a hang only: dockerd answers within seconds.
    for (let i = 0; i < 600; i++) {
      if (daemon.exitCode !== null || daemon.signalCode !== null) break;
      if (fs.existsSync(this.socket) && this.docker(['version']).code === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`dockerd did not start: ${this.log()}`);
  }

  /** The daemon's log (for failure messages). */
  log(): string {
    try {
      return fs.readFileSync(path.join(this.tmp, 'dockerd.log'), 'utf8').slice(-4000);
    } catch {
      return '';
    }
  }

  /** The daemon's pid as its pid file says (null once it removed the file). */
  daemonPid(): number | null {
    try {
      return Number(fs.readFileSync(this.pidFile, 'utf8').trim()) || null;
    } catch {
      return null;
    }
  }

  /** Runs the docker CLI against this daemon. Output goes to files, not pipes: a detached
   * container's process could keep a pipe open. */
  docker(args: string[], opts: { input?: string } = {}): DockerResult {
    const out = path.join(this.tmp, 'cli.out');
    const err = path.join(this.tmp, 'cli.err');
    const outFd = fs.openSync(out, 'w+');
    const errFd = fs.openSync(err, 'w+');
    try {
      const r = spawnSync(dockerCli, ['--host', `unix://${this.socket}`, ...args], {
        env: this.env(),
        input: opts.input,
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', outFd, errFd],
        timeout: 120_000,
      });
      return { code: r.status ?? -1, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') };
    } finally {
      fs.closeSync(outFd);
      fs.closeSync(errFd);
    }
  }

  /** The argv that runs the docker CLI against this daemon (for a command run under a pty),
   * and the environment to run it with. */
  cliCommand(args: string[]): { argv: string[]; env: NodeJS.ProcessEnv } {
    return { argv: [dockerCli, '--host', `unix://${this.socket}`, ...args], env: this.env() };
  }

  /** The runtime binary containerd's shim runs for container `id` (the BinaryName of its
   * runc options, as `ctr containers info` shows them), or null. */
  runtimeBinaryOf(id: string): string | null {
    const r = spawnSync(
      ctr,
      [
        '--address',
        path.join(this.tmp, 'exec', 'containerd', 'containerd.sock'),
        '-n',
        'moby',
        'containers',
        'info',
        id,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    try {
      return protobufString(Buffer.from(JSON.parse(r.stdout).Runtime.Options.value, 'base64'), BINARY_NAME_FIELD);
    } catch {
      return null;
    }
  }

  /** `docker import` of a tar of build/rootfs (busybox with /probe) as IMAGE. */
  importImage(): DockerResult {
    const tar = path.join(this.tmp, 'rootfs.tar');
    const made = spawnSync('tar', ['-C', rootfs, '-cf', tar, '.']);
    if (made.status !== 0) throw new Error(`tar of ${rootfs} failed: ${made.stderr}`);
    const r = this.docker(['import', tar, IMAGE]);
    fs.rmSync(tar, { force: true });
    return r;
  }

  /** Stops dockerd with SIGTERM by its pid and waits for it to exit (it stops its
   * containerd first). */
  async stop(): Promise<void> {
    const pid = this.daemonPid() ?? this.daemon?.pid;
    if (this.daemon && this.daemon.exitCode === null && this.daemon.signalCode === null && pid && alive(pid)) {
      process.kill(pid, 'SIGTERM');
    }
    await this.exited;
  }
}

/** containerd.runc.v1.Options' binary_name. */
const BINARY_NAME_FIELD = 6;

/** The string field `field` of a protobuf message (varint and length-delimited fields only,
 * which is all containerd.runc.v1.Options has), or null. */
function protobufString(message: Buffer, field: number): string | null {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = message[at++];
      if (byte === undefined) throw new Error('truncated protobuf');
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < message.length) {
    const tag = varint();
    if ((tag & 7) === 0) {
      varint();
      continue;
    }
    if ((tag & 7) !== 2) return null;
    const length = varint();
    if (tag >> 3 === field) return message.subarray(at, at + length).toString();
    at += length;
  }
  return null;
}

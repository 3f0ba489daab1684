// The addon's clone3 child, spawned and driven by hand as root: a sandbox on disk (a tiny
// busybox rootfs, an /out directory the container writes its findings to, a state dir for
// exec.fifo) that owns every fd and pidfd a run makes; a plan built by hand (not by
// src/plan), so the tests hold the addon to the InitPlan contract on their own; and the
// sync ladder driven as create drives it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Test } from 'tap';
import type { InitPlan, MountStep, SyncMessage } from '../../src/plan/types';
import { type ExitStatus, native } from '../../src/sys/native';
import { USERNS_HOST_ID } from './harness';

export const N = native();
const C = N.constants as Record<string, number>;
/** An addon constant by name (SyncType_*, ChildStep_*); throws when the addon lacks it. */
export const c = (name: string): number => {
  const v = C[name];
  if (v === undefined) throw new Error(`addon constant ${name} missing`);
  return v;
};

const CLONE_NEWNS = 0x00020000;
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWPID = 0x20000000;
const CLONE_NEWNET = 0x40000000;
const MS_RDONLY = 1;
const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_NOEXEC = 8;
export const MS_BIND = 4096;
export const MS_REC = 16384;
const MS_PRIVATE = 1 << 18;
const MS_SLAVE = 1 << 19;
const MS_STRICTATIME = 1 << 24;
const S_IFCHR = 0o020000;
const RLIMIT_NOFILE = 7;
export const ENOENT = 2;
export const ELOOP = 40;
export const SIGKILL = 9;
export const TIMEOUT_MS = 10000;
/** Host uid/gid of the container's root in a user namespace (0 -> USERNS_BASE, 65536 ids). */
export const USERNS_BASE = USERNS_HOST_ID;

/** CAP_CHOWN, DAC_OVERRIDE, FOWNER, KILL, SETGID, SETUID, NET_BIND_SERVICE, SYS_CHROOT. */
export const CAPS = [0, 1, 3, 5, 6, 7, 10, 18].reduce((m, b) => m | (1n << BigInt(b)), 0n);

/** For t.before: these tests clone namespaces, mount and mknod. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('addon spawn tests need root');
}

/** Everything one container run creates, released in teardown whatever happened. */
export class Sandbox {
  readonly top = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-addon-'));
  readonly rootfs = path.join(this.top, 'rootfs');
  readonly out = path.join(this.top, 'out');
  readonly ro = path.join(this.top, 'ro');
  readonly state = path.join(this.top, 'state');
  /** Where create would make exec.fifo; see execFifo(). */
  readonly fifo = path.join(this.state, 'exec.fifo');
  readonly fds = new Set<number>();
  readonly pidfds = new Set<number>();

  constructor(owner?: number) {
    for (const d of ['bin', 'dev', 'proc', 'sys', 'tmp', 'etc', 'secret']) {
      fs.mkdirSync(path.join(this.rootfs, d), { recursive: true });
    }
    fs.writeFileSync(path.join(this.rootfs, 'secret', 'key'), 'hidden\n');
    fs.copyFileSync('/bin/busybox', path.join(this.rootfs, 'bin', 'busybox'));
    fs.chmodSync(path.join(this.rootfs, 'bin', 'busybox'), 0o755);
    for (const app of ['sh', 'cat', 'echo', 'hostname', 'sleep', 'ls', 'wc', 'touch', 'readlink', 'stat', 'tty']) {
      fs.symlinkSync('busybox', path.join(this.rootfs, 'bin', app));
    }
    for (const d of [this.out, this.ro, this.state]) fs.mkdirSync(d);
    if (owner !== undefined) {
      // The mapped root has no rights on host-owned directories: it must be able to
      // reach the rootfs (mkdtemp makes 0700).
      fs.chmodSync(this.top, 0o711);
      // In a user namespace, root is USERNS_BASE on the host: it must own what it writes.
      for (const p of [this.rootfs, this.out, this.ro]) chownTree(p, owner);
    }
  }

  track(fd: number): number {
    this.fds.add(fd);
    return fd;
  }

  trackPidfd(fd: number): number {
    this.pidfds.add(fd);
    return fd;
  }

  closeFd(fd: number): void {
    if (this.fds.delete(fd) || this.pidfds.delete(fd)) N.close(fd);
  }

  /** Makes exec.fifo as create does and opens it for the plan's fifoFd (the child gets it
   * open: the container's root never opens it by path). */
  execFifo(): number {
    N.mkfifo(this.fifo, 0o600);
    return this.track(fs.openSync(this.fifo, fs.constants.O_RDWR));
  }

  /** Kill and reap whatever is still ours, close fds, remove the tree. */
  async dispose(): Promise<void> {
    for (const pidfd of this.pidfds) {
      try {
        N.pidfdSignal(pidfd, SIGKILL);
      } catch {
        // already exited
      }
      try {
        await N.reap(pidfd);
      } catch {
        // already reaped
      }
      N.close(pidfd);
    }
    this.pidfds.clear();
    for (const fd of this.fds) N.close(fd);
    this.fds.clear();
    fs.rmSync(this.top, { recursive: true, force: true });
  }
}

/** A Sandbox disposed of when the test `t` ends. */
export function sandbox(t: Test, owner?: number): Sandbox {
  const sb = new Sandbox(owner);
  t.teardown(() => sb.dispose());
  return sb;
}

function chownTree(p: string, id: number): void {
  fs.lchownSync(p, id, id);
  if (fs.lstatSync(p).isDirectory()) {
    for (const e of fs.readdirSync(p)) chownTree(path.join(p, e), id);
  }
}

/** A plan's mount step: `index` is the entry's position in config.json. */
export function mount(index: number, m: Partial<MountStep> & Pick<MountStep, 'destination'>): MountStep {
  return {
    index,
    source: '',
    fstype: '',
    flags: 0,
    data: '',
    remountFlags: -1,
    propagation: [],
    targetKind: 0,
    sourceIsPath: false,
    ...m,
  } as MountStep;
}

/** basePlan's process: writes what the container sees into /out, one file a finding. */
const SCRIPT = [
  'o=/out',
  'hostname > $o/hostname',
  'cat /proc/self/status > $o/status',
  'echo $$ > $o/pid',
  'ulimit -n > $o/nofile',
  'cat /proc/sys/net/ipv4/ip_forward > $o/ip_forward',
  '(echo 0 > /proc/sys/net/ipv4/ip_forward) 2>/dev/null && echo writable > $o/procsys || echo readonly > $o/procsys',
  '(touch /ro/x) 2>/dev/null && echo writable > $o/ro || echo readonly > $o/ro',
  '(touch /rootfile) 2>/dev/null && echo writable > $o/root || echo readonly > $o/root',
  'stat -c "%F %t:%T %a" /dev/null > $o/devnull',
  'readlink /dev/fd > $o/devfd',
  'wc -c < /proc/timer_list > $o/timer_list',
  'ls -A /secret > $o/secret',
  'cat /proc/self/mounts > $o/mounts',
  'ls /proc/self/fd > $o/fds',
  'echo done > $o/done',
].join('\n');

/** A container with new mnt, uts, ipc, pid and net namespaces, a read-only root, /proc,
 * /dev, devpts, /out (bound rw) and /ro (bound, remounted ro), /dev/null, masks, a sysctl,
 * an rlimit and CAPS, running SCRIPT as root; `over` replaces fields. */
export function basePlan(sb: Sandbox, over: Partial<InitPlan> = {}): InitPlan {
  return {
    joins: [],
    newNamespaces: CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET,
    hasUserMappings: false,
    cgroupFd: -1,
    rootFd: -1,
    rootfs: sb.rootfs,
    rootPropagation: MS_REC | MS_SLAVE,
    rootfsPropagation: 0,
    rootReadonly: true,
    noPivot: false,
    mounts: [
      mount(0, { source: 'proc', destination: '/proc', fstype: 'proc', flags: MS_NOSUID | MS_NOEXEC | MS_NODEV }),
      mount(1, {
        source: 'tmpfs',
        destination: '/dev',
        fstype: 'tmpfs',
        flags: MS_NOSUID | MS_STRICTATIME,
        data: 'mode=755,size=65536k',
      }),
      mount(2, {
        source: 'devpts',
        destination: '/dev/pts',
        fstype: 'devpts',
        flags: MS_NOSUID | MS_NOEXEC,
        data: 'newinstance,ptmxmode=0666,mode=0620',
      }),
      mount(3, {
        source: sb.out,
        destination: '/out',
        flags: MS_BIND | MS_REC,
        sourceIsPath: true,
        propagation: [MS_PRIVATE],
      }),
      mount(4, {
        source: sb.ro,
        destination: '/ro',
        flags: MS_BIND | MS_REC,
        remountFlags: MS_RDONLY | MS_NOSUID | MS_NODEV,
        sourceIsPath: true,
      }),
    ],
    devices: [
      {
        index: -1,
        path: '/dev/null',
        fileType: S_IFCHR,
        major: 1,
        minor: 3,
        mode: 0o666,
        uid: 0,
        gid: 0,
        bindFromHost: false,
      },
    ],
    symlinks: [
      { target: '/proc/self/fd', linkPath: '/dev/fd' },
      { target: 'pts/ptmx', linkPath: '/dev/ptmx' },
    ],
    // /proc/kcore is absent on kernels without CONFIG_PROC_KCORE (this VM): skipped, as
    // /proc/no-such-entry; /proc/timer_list is a real file to mask.
    maskedPaths: ['/proc/kcore', '/proc/timer_list', '/proc/no-such-entry', '/secret'],
    readonlyPaths: ['/proc/sys'],
    sysctls: [{ path: 'net/ipv4/ip_forward', value: '1', key: 'net.ipv4.ip_forward' }],
    hostname: 'tsrun-test',
    domainname: null,
    rlimits: [{ resource: RLIMIT_NOFILE, soft: 1024n, hard: 1024n, index: 0 }],
    uid: 0,
    gid: 0,
    additionalGids: [10],
    umask: 0o022,
    capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS, inheritable: 0n, ambient: 0n },
    noNewPrivileges: true,
    cwd: '/',
    args: ['sh', '-c', SCRIPT],
    env: ['PATH=/bin', 'HOME=/'],
    searchPath: ['/usr/bin', '/bin'],
    fifoFd: -1,
    consoleSocketFd: -1,
    consoleRows: 0,
    consoleCols: 0,
    preserveFds: 0,
    inheritFds: [],
    ...over,
  };
}

function recv(syncFd: number, pidfd: number): SyncMessage {
  return N.syncRecv(syncFd, pidfd, TIMEOUT_MS);
}

/** A sync message in one line, for assertion messages. */
export function describe(m: SyncMessage): string {
  return `type ${m.type} step ${m.step} index ${m.index} errno ${m.errno} arg ${m.arg} detail ${JSON.stringify(m.detail)}`;
}

export interface Driven {
  /** pidfd of the container's init (after following Pid). */
  pidfd: number;
  /** host pid of the init. */
  pid: number;
  syncFd: number;
  /** The last message: Ready, or the Error that ended the ladder. */
  last: SyncMessage;
  /** Host pid of the intermediate, when there was one. */
  intermediate?: number;
}

/** Drives the sync ladder as create would, up to Ready or the first Error. */
export async function drive(sb: Sandbox, plan: InitPlan, onIdMaps?: (pid: number) => void): Promise<Driven> {
  const r = N.spawn(plan);
  const syncFd = sb.track(r.syncFd);
  let pidfd = sb.trackPidfd(r.pidfd);
  let pid = r.pid;
  let intermediate: number | undefined;
  N.syncSend(syncFd, c('SyncType_Go'), 0);
  for (;;) {
    const m = recv(syncFd, pidfd);
    switch (m.type) {
      case c('SyncType_NeedIdMaps'):
        if (!onIdMaps) throw new Error('unexpected NeedIdMaps');
        onIdMaps(m.arg);
        N.syncSend(syncFd, c('SyncType_IdMapsDone'), 0);
        break;
      case c('SyncType_Pid'): {
        // The intermediate exits after sending Pid: reap it, follow the init.
        const st = await N.reap(pidfd);
        if (st.code !== 0) throw new Error(`intermediate exited ${JSON.stringify(st)}`);
        sb.closeFd(pidfd);
        intermediate = pid;
        pid = m.arg;
        pidfd = sb.trackPidfd(N.pidfdOpen(pid));
        break;
      }
      case c('SyncType_CreateRuntime'):
        N.syncSend(syncFd, c('SyncType_Resume'), 0);
        break;
      case c('SyncType_Ready'): {
        // As create does: let the child outlive us only after it is recorded.
        N.syncSend(syncFd, c('SyncType_Detach'), 0);
        const detached = recv(syncFd, pidfd);
        if (detached.type !== c('SyncType_Detached')) throw new Error(`expected Detached, got ${describe(detached)}`);
        return { pidfd, pid, syncFd, last: m, ...(intermediate !== undefined ? { intermediate } : {}) };
      }
      case c('SyncType_Error'):
        return { pidfd, pid, syncFd, last: m, ...(intermediate !== undefined ? { intermediate } : {}) };
      default:
        throw new Error(`unexpected message ${describe(m)}`);
    }
  }
}

/** Waits for the driven init to exit and closes its pidfd; its exit status. */
export async function waitExit(sb: Sandbox, d: Driven): Promise<ExitStatus> {
  const st = await N.reap(d.pidfd);
  sb.closeFd(d.pidfd);
  return st;
}

/** Ready -> release exec.fifo -> wait for the container to exit 0 (a plan with fifoFd). */
export async function runToExit(sb: Sandbox, d: Driven, t: Test): Promise<void> {
  t.equal(d.last.type, c('SyncType_Ready'), `child reached Ready (${describe(d.last)})`);
  if (d.last.type !== c('SyncType_Ready')) return;
  // Before release the child blocks reading exec.fifo: not yet exec'd.
  t.equal(N.reapNoHang(d.pidfd), null, 'child waits on exec.fifo until start');
  t.equal(
    fs.readFileSync(`/proc/${d.pid}/comm`, 'utf8'),
    fs.readFileSync('/proc/self/comm', 'utf8'),
    'still the runtime image before start',
  );
  t.equal(N.releaseFifo(sb.fifo, d.pidfd, TIMEOUT_MS), true, 'fifo released');
  t.same(await waitExit(sb, d), { code: 0, signal: 0 }, 'container exited 0');
}

/** Drives `plan` (no state dir: it execs right after Ready) and waits for exit 0. */
export async function runPlan(sb: Sandbox, plan: InitPlan, t: Test): Promise<void> {
  const d = await drive(sb, plan);
  t.equal(d.last.type, c('SyncType_Ready'), `child reached Ready (${describe(d.last)})`);
  t.same(await waitExit(sb, d), { code: 0, signal: 0 }, 'container exited 0');
}

/** What `fn` throws, or undefined. */
export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** One field of /proc/PID/status text. */
export function statusField(status: string, name: string): string {
  const line = status.split('\n').find((l) => l.startsWith(`${name}:`));
  return line ? line.slice(name.length + 1).trim() : '';
}

/** A capability mask as /proc/PID/status shows it. */
export function capHex(mask: bigint): string {
  return mask.toString(16).padStart(16, '0');
}

/** A file the container wrote into /out. */
export function readOut(sb: Sandbox, name: string): string {
  return fs.readFileSync(path.join(sb.out, name), 'utf8');
}

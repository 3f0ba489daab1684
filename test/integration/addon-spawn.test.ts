// The addon's clone3 child, end to end, as root: real namespaces, mounts, devices,
// credentials and execve of busybox in a tiny rootfs. Plans are built by hand (not by
// src/plan) so this test holds the addon to the InitPlan contract on its own.
import t from 'tap';
import { spawn as spawnProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { native, SyscallError } from '../../src/sys/native';
import type { InitPlan, MountStep, SyncMessage } from '../../src/plan/types';

const N = native();
const C = N.constants as Record<string, number>;
const c = (name: string): number => {
  const v = C[name];
  if (v === undefined) throw new Error(`addon constant ${name} missing`);
  return v;
};

const CLONE_NEWNS = 0x00020000;
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWIPC = 0x08000000;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWPID = 0x20000000;
const CLONE_NEWNET = 0x40000000;
const MS_RDONLY = 1;
const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_NOEXEC = 8;
const MS_BIND = 4096;
const MS_REC = 16384;
const MS_PRIVATE = 1 << 18;
const MS_SLAVE = 1 << 19;
const MS_STRICTATIME = 1 << 24;
const S_IFCHR = 0o020000;
const RLIMIT_NOFILE = 7;
const ENOENT = 2;
const ELOOP = 40;
const SIGKILL = 9;
const TIMEOUT_MS = 10000;
const USERNS_BASE = 100000;

// CAP_CHOWN, DAC_OVERRIDE, FOWNER, KILL, SETGID, SETUID, NET_BIND_SERVICE, SYS_CHROOT
const CAPS = [0, 1, 3, 5, 6, 7, 10, 18].reduce((m, b) => m | (1n << BigInt(b)), 0n);

t.before(() => {
  if (process.getuid?.() !== 0) throw new Error('addon-spawn tests need root');
});

/** Everything one container run creates, released in teardown whatever happened. */
class Sandbox {
  readonly top = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-addon-'));
  readonly rootfs = path.join(this.top, 'rootfs');
  readonly out = path.join(this.top, 'out');
  readonly ro = path.join(this.top, 'ro');
  readonly state = path.join(this.top, 'state');
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

function chownTree(p: string, id: number): void {
  fs.lchownSync(p, id, id);
  if (fs.lstatSync(p).isDirectory()) {
    for (const e of fs.readdirSync(p)) chownTree(path.join(p, e), id);
  }
}

function mount(index: number, m: Partial<MountStep> & Pick<MountStep, 'destination'>): MountStep {
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

function basePlan(sb: Sandbox, over: Partial<InitPlan> = {}): InitPlan {
  return {
    joins: [],
    newNamespaces: CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET,
    hasUserMappings: false,
    cgroupFd: -1,
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
    preserveFds: 0,
    inheritFds: [],
    ...over,
  };
}

function recv(syncFd: number, pidfd: number): SyncMessage {
  return N.syncRecv(syncFd, pidfd, TIMEOUT_MS);
}

function describe(m: SyncMessage): string {
  return `type ${m.type} step ${m.step} index ${m.index} errno ${m.errno} arg ${m.arg} detail ${JSON.stringify(m.detail)}`;
}

interface Driven {
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
async function drive(sb: Sandbox, plan: InitPlan, onIdMaps?: (pid: number) => void): Promise<Driven> {
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

/** Ready -> release exec.fifo -> wait for the container to exit 0. */
/** A tap subtest, as the callback of t.test receives it. */
type Tap = Parameters<Parameters<typeof t.test>[0]>[0];

async function runToExit(sb: Sandbox, d: Driven, t: Tap): Promise<void> {
  t.equal(d.last.type, c('SyncType_Ready'), `child reached Ready (${describe(d.last)})`);
  if (d.last.type !== c('SyncType_Ready')) return;
  // Before release the child blocks reading exec.fifo: not yet exec'd.
  t.equal(N.reapNoHang(d.pidfd), null, 'child waits on exec.fifo until start');
  t.equal(
    fs.readFileSync(`/proc/${d.pid}/comm`, 'utf8'),
    fs.readFileSync('/proc/self/comm', 'utf8'),
    'still the runtime image before start',
  );
  t.equal(N.releaseFifo(path.join(sb.state, 'exec.fifo'), d.pidfd, TIMEOUT_MS), true, 'fifo released');
  const st = await N.reap(d.pidfd);
  sb.closeFd(d.pidfd);
  t.same(st, { code: 0, signal: 0 }, 'container exited 0');
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

function statusField(status: string, name: string): string {
  const line = status.split('\n').find((l) => l.startsWith(`${name}:`));
  return line ? line.slice(name.length + 1).trim() : '';
}

function capHex(mask: bigint): string {
  return mask.toString(16).padStart(16, '0');
}

function readOut(sb: Sandbox, name: string): string {
  return fs.readFileSync(path.join(sb.out, name), 'utf8');
}

t.test('spawn: a container with new namespaces runs through the whole ladder', async (t) => {
  const sb = new Sandbox();
  t.teardown(() => sb.dispose());
  N.mkfifo(path.join(sb.state, 'exec.fifo'), 0o600);
  const fifoFd = sb.track(fs.openSync(path.join(sb.state, 'exec.fifo'), fs.constants.O_RDWR));
  const d = await drive(sb, basePlan(sb, { fifoFd }));
  t.ok(d.intermediate !== undefined && d.intermediate !== d.pid, 'a pid namespace forks the init');
  await runToExit(sb, d, t);

  t.equal(readOut(sb, 'done').trim(), 'done', 'script ran to the end');
  t.equal(readOut(sb, 'hostname').trim(), 'tsrun-test', 'hostname set in the new uts ns');
  t.equal(readOut(sb, 'pid').trim(), '1', 'the init is pid 1 in its pid ns');
  t.equal(readOut(sb, 'nofile').trim(), '1024', 'RLIMIT_NOFILE applied');
  t.equal(readOut(sb, 'ip_forward').trim(), '1', 'sysctl written in the new net ns');
  t.equal(readOut(sb, 'procsys').trim(), 'readonly', '/proc/sys is read-only');
  t.equal(readOut(sb, 'ro').trim(), 'readonly', 'bind mount remounted read-only');
  t.equal(readOut(sb, 'root').trim(), 'readonly', 'root is read-only');
  t.equal(readOut(sb, 'devnull').trim(), 'character special file 1:3 666', '/dev/null made with mode 0666');
  t.equal(readOut(sb, 'devfd').trim(), '/proc/self/fd', '/dev/fd symlink created');
  t.ok(fs.statSync('/proc/timer_list').isFile(), 'host has /proc/timer_list');
  t.equal(readOut(sb, 'timer_list').trim(), '0', '/proc/timer_list masked by /dev/null');
  t.equal(readOut(sb, 'secret').trim(), '', 'masked directory is empty');
  // Only stdio (and the directory ls itself reads, which procfs may or may not list).
  const fds = readOut(sb, 'fds').trim().split(/\s+/).map(Number);
  t.ok(fds.includes(1) && fds.every((fd) => fd <= 3), `no runtime fd reaches the container (${fds.join(' ')})`);

  const status = readOut(sb, 'status');
  t.equal(statusField(status, 'CapBnd'), capHex(CAPS), 'bounding set dropped to the plan');
  t.equal(statusField(status, 'CapEff'), capHex(CAPS), 'effective set');
  t.equal(statusField(status, 'CapPrm'), capHex(CAPS), 'permitted set');
  t.equal(statusField(status, 'NoNewPrivs'), '1', 'no_new_privs set');
  t.equal(statusField(status, 'Groups'), '10', 'supplementary groups replaced');
  t.match(statusField(status, 'Uid'), /^0\s+0\s+0\s+0$/, 'uid 0');
  t.equal(statusField(status, 'SigIgn'), '0000000000000000', 'no signal ignored (Node ignores SIGPIPE)');
  t.equal(statusField(status, 'SigBlk'), '0000000000000000', 'signal mask empty at exec');

  const mounts = readOut(sb, 'mounts');
  t.match(mounts, /^tmpfs \/dev tmpfs rw,nosuid,/m, '/dev is a nosuid tmpfs');
  t.match(mounts, /^\S+ \/ro \S+ ro,nosuid,nodev/m, '/ro read-only with nosuid,nodev');
  t.match(mounts, /^devpts \/dev\/pts devpts /m, 'devpts mounted');
  t.notMatch(mounts, new RegExp(sb.top.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'host paths not visible');
});

t.test('spawn: a user namespace with mappings asks for them and runs as mapped root', async (t) => {
  const sb = new Sandbox(USERNS_BASE);
  t.teardown(() => sb.dispose());
  N.mkfifo(path.join(sb.state, 'exec.fifo'), 0o600);
  // The child gets the fifo open: the container's root never opens it by path.
  const fifoFd = sb.track(fs.openSync(path.join(sb.state, 'exec.fifo'), fs.constants.O_RDWR));
  const base = basePlan(sb);
  const plan = basePlan(sb, {
    fifoFd,
    newNamespaces: base.newNamespaces | CLONE_NEWUSER,
    hasUserMappings: true,
    // mknod is refused in a user namespace: bind the host's node.
    devices: base.devices.map((dv) => ({ ...dv, bindFromHost: true })),
  });
  let askedFor = 0;
  const d = await drive(sb, plan, (pid) => {
    askedFor = pid;
    fs.writeFileSync(`/proc/${pid}/uid_map`, `0 ${USERNS_BASE} 65536\n`);
    fs.writeFileSync(`/proc/${pid}/gid_map`, `0 ${USERNS_BASE} 65536\n`);
  });
  t.equal(askedFor, d.intermediate, 'NeedIdMaps carries the child pid');
  await runToExit(sb, d, t);

  t.equal(readOut(sb, 'done').trim(), 'done', 'script ran to the end');
  const st = fs.statSync(path.join(sb.out, 'done'));
  t.equal(st.uid, USERNS_BASE, 'files are made by the mapped root');
  const status = readOut(sb, 'status');
  t.match(statusField(status, 'Uid'), /^0\s+0\s+0\s+0$/, 'uid 0 inside');
  t.equal(statusField(status, 'Groups'), '10', 'groups set inside the user ns');
  t.equal(statusField(status, 'CapEff'), capHex(CAPS), 'caps applied');
  t.equal(readOut(sb, 'ro').trim(), 'readonly', 'read-only remount keeps the locked flags');
  t.equal(readOut(sb, 'procsys').trim(), 'readonly', '/proc/sys read-only in the user ns');
  t.equal(readOut(sb, 'timer_list').trim(), '0', '/proc/timer_list masked with the host /dev/null');
  t.equal(readOut(sb, 'devnull').trim(), 'character special file 1:3 666', 'host /dev/null bound');
});

t.test('spawn: a mount whose source is missing fails at Mount with its index and ENOENT', async (t) => {
  const sb = new Sandbox();
  t.teardown(() => sb.dispose());
  const plan = basePlan(sb);
  // Position 3 in the array, index 7 in config.json: the error must carry 7.
  plan.mounts[3] = mount(7, {
    source: path.join(sb.top, 'no-such-dir'),
    destination: '/missing',
    flags: MS_BIND | MS_REC,
    sourceIsPath: true,
  });
  const d = await drive(sb, plan);
  t.equal(d.last.type, c('SyncType_Error'), `error reported (${describe(d.last)})`);
  t.equal(d.last.step, c('ChildStep_Mount'), 'step Mount');
  t.equal(d.last.index, 7, 'index from the plan entry');
  t.equal(d.last.errno, ENOENT, 'ENOENT');
  t.equal(d.last.detail, path.join(sb.top, 'no-such-dir'), 'detail names the source');
  const st = await N.reap(d.pidfd);
  sb.closeFd(d.pidfd);
  t.same(st, { code: 1, signal: 0 }, 'child exited 1');
  t.notOk(fs.existsSync(`/proc/${d.pid}`), 'no leftover init');
  t.notOk(d.intermediate !== undefined && fs.existsSync(`/proc/${d.intermediate}`), 'no leftover intermediate');
  // Our own pidfd never becomes readable: only the socket can answer.
  const self = sb.track(N.pidfdOpen(process.pid));
  const after = N.syncRecv(d.syncFd, self, 1000);
  t.equal(after.step, c('ChildStep_Sync'), 'sync socket then reports the child gone (EOF)');
});

/** Drives `plan` (no state dir: it execs right after Ready) and waits for exit 0. */
async function runPlan(sb: Sandbox, plan: InitPlan, t: Tap): Promise<void> {
  const d = await drive(sb, plan);
  t.equal(d.last.type, c('SyncType_Ready'), `child reached Ready (${describe(d.last)})`);
  const st = await N.reap(d.pidfd);
  sb.closeFd(d.pidfd);
  t.same(st, { code: 0, signal: 0 }, 'container exited 0');
}

const MOUNTS_SCRIPT = 'cat /proc/self/mounts > /out/mounts; echo done > /out/done';

t.test('spawn: a mount under a dangling relative symlink is created at its target in the rootfs', async (t) => {
  const sb = new Sandbox();
  t.teardown(() => sb.dispose());
  fs.mkdirSync(path.join(sb.rootfs, 'var'));
  fs.symlinkSync('../run', path.join(sb.rootfs, 'var', 'run'));
  const plan = basePlan(sb, { args: ['sh', '-c', MOUNTS_SCRIPT] });
  plan.mounts.push(mount(5, { source: 'tmpfs', destination: '/var/run/x/y', fstype: 'tmpfs' }));
  await runPlan(sb, plan, t);
  t.ok(fs.lstatSync(path.join(sb.rootfs, 'var', 'run')).isSymbolicLink(), 'the link is left as it was');
  t.ok(fs.statSync(path.join(sb.rootfs, 'run', 'x', 'y')).isDirectory(), 'created at <rootfs>/run/x/y');
  t.match(readOut(sb, 'mounts'), /^tmpfs \/run\/x\/y tmpfs /m, 'the tmpfs is mounted at /run/x/y');
});

t.test('spawn: a symlink loop on a mount destination fails at Mount with ELOOP', async (t) => {
  const sb = new Sandbox();
  t.teardown(() => sb.dispose());
  fs.symlinkSync('/b', path.join(sb.rootfs, 'a'));
  fs.symlinkSync('/a', path.join(sb.rootfs, 'b'));
  const plan = basePlan(sb);
  plan.mounts.push(mount(9, { source: 'tmpfs', destination: '/a/x', fstype: 'tmpfs' }));
  const d = await drive(sb, plan);
  t.equal(d.last.type, c('SyncType_Error'), `error reported (${describe(d.last)})`);
  t.equal(d.last.step, c('ChildStep_Mount'), 'step Mount');
  t.equal(d.last.index, 9, 'index from the plan entry');
  t.equal(d.last.errno, ELOOP, 'ELOOP');
  t.equal(d.last.detail, '/a/x', 'detail names the destination');
  const st = await N.reap(d.pidfd);
  sb.closeFd(d.pidfd);
  t.same(st, { code: 1, signal: 0 }, 'child exited 1');
  t.notOk(fs.existsSync(`/proc/${d.pid}`), 'no leftover init');
  t.notOk(d.intermediate !== undefined && fs.existsSync(`/proc/${d.intermediate}`), 'no leftover intermediate');
});

t.test('spawn: a symlink climbing above the root with .. keeps the mount inside the rootfs', async (t) => {
  const sb = new Sandbox();
  t.teardown(() => sb.dispose());
  // No /etc in the rootfs: the link dangles, so the runtime must create what it names.
  fs.rmdirSync(path.join(sb.rootfs, 'etc'));
  fs.symlinkSync('../../../../etc', path.join(sb.rootfs, 'up'));
  const name = `tsrun-test-up-${process.pid}`;
  t.notOk(fs.existsSync(path.join('/etc', name)), 'host /etc has no such entry before');
  const plan = basePlan(sb, { args: ['sh', '-c', MOUNTS_SCRIPT] });
  plan.mounts.push(mount(5, { source: 'tmpfs', destination: `/up/${name}/m`, fstype: 'tmpfs' }));
  await runPlan(sb, plan, t);
  t.notOk(fs.existsSync(path.join('/etc', name)), 'nothing created in the host /etc');
  t.ok(fs.statSync(path.join(sb.rootfs, 'etc', name, 'm')).isDirectory(), 'created at <rootfs>/etc/NAME/m');
  t.match(readOut(sb, 'mounts'), new RegExp(`^tmpfs /etc/${name}/m tmpfs `, 'm'), 'mounted at /etc/NAME/m');
});

t.test('spawn: a missing cwd is created by root and entered by the user', async (t) => {
  const sb = new Sandbox();
  t.teardown(() => sb.dispose());
  fs.chmodSync(sb.out, 0o777);
  const script = 'readlink /proc/self/cwd > /out/cwd; echo done > /out/done';
  // uid 1000 could not create /work itself, and the root is read-only: made before both.
  await runPlan(
    sb,
    basePlan(sb, { uid: 1000, gid: 1000, additionalGids: [], cwd: '/work/dir', args: ['sh', '-c', script] }),
    t,
  );
  t.equal(readOut(sb, 'done').trim(), 'done', 'script ran to the end');
  t.equal(readOut(sb, 'cwd').trim(), '/work/dir', 'the process runs in /work/dir');
  for (const p of ['work', 'work/dir']) {
    const st = fs.statSync(path.join(sb.rootfs, p));
    t.ok(st.isDirectory(), `${p} is a directory`);
    t.same([st.uid, st.gid, st.mode & 0o777], [0, 0, 0o755], `${p} is root's, 0755`);
  }
});

t.test('spawn: a missing program fails at LookupExec with ENOENT', async (t) => {
  for (const arg0 of ['no-such-program', '/bin/no-such-program']) {
    const sb = new Sandbox();
    const d = await drive(sb, basePlan(sb, { args: [arg0] }));
    t.equal(d.last.type, c('SyncType_Error'), `${arg0}: error reported (${describe(d.last)})`);
    t.equal(d.last.step, c('ChildStep_LookupExec'), `${arg0}: step LookupExec`);
    t.equal(d.last.errno, ENOENT, `${arg0}: ENOENT`);
    t.equal(d.last.detail, arg0, `${arg0}: detail is args[0]`);
    t.equal(d.last.index, -1, `${arg0}: no index`);
    const st = await N.reap(d.pidfd);
    sb.closeFd(d.pidfd);
    t.same(st, { code: 1, signal: 0 }, `${arg0}: child exited 1`);
    await sb.dispose();
  }
});

t.test('spawn: a bad plan is a TypeError naming the field, with no child', async (t) => {
  const sb = new Sandbox();
  t.teardown(() => sb.dispose());
  const plan = basePlan(sb) as unknown as Record<string, unknown>;
  const bad = { ...plan, mounts: [{ ...(plan.mounts as object[])[0], destination: 42 }] };
  t.throws(() => N.spawn(bad as unknown as InitPlan), {
    name: 'TypeError',
    message: 'spawn: plan.mounts[0].destination: expected a string',
  });
  // No args is allowed (a container created without process); an empty args[0] is not.
  t.throws(() => N.spawn({ ...plan, args: [''] } as unknown as InitPlan), {
    name: 'TypeError',
    message: /plan\.args\[0\]/,
  });
  const err = caught(() => N.spawn(basePlan(sb, { fifoFd: 987654 })));
  t.ok(err instanceof SyscallError, 'an fd the plan names must be open');
  t.match(err, { op: 'spawn', errno: 9, subject: 'plan.fifoFd', message: 'spawn plan.fifoFd: bad file descriptor' });
});

t.test('syscall errors are SyscallError with Go-style text', async (t) => {
  const missing = path.join(os.tmpdir(), 'tsrun-addon-no-such-dir');
  const err = caught(() => N.openReadOnly(missing));
  t.ok(err instanceof SyscallError, 'SyscallError');
  t.match(err, {
    code: 'ERR_TSRUN_SYSCALL',
    op: 'open',
    errno: ENOENT,
    subject: missing,
    message: `open ${missing}: no such file or directory`,
  });
  const sigErr = caught(() => N.pidfdSignal(987654, 0));
  t.match(sigErr, { op: 'pidfd_send_signal', errno: 9, message: 'pidfd_send_signal: bad file descriptor' });
});

// Receives the pty master over the console socket (Node cannot take SCM_RIGHTS) and
// copies what the container writes on its terminal into a file, until the pty closes.
const CONSOLE_RECEIVER = path.join(__dirname, '..', 'helpers', 'console-receiver.py');

t.test('spawn: a console socket gets the pty master; the pty is stdio and /dev/console', async (t) => {
  const sb = new Sandbox();
  t.teardown(() => sb.dispose());
  const sock = path.join(sb.top, 'console.sock');
  const received = path.join(sb.top, 'console.out');
  const receiver = spawnProcess('python3', [CONSOLE_RECEIVER, sock, received], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const receiverDone = new Promise<number | null>((resolve) => receiver.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (receiver.exitCode === null) receiver.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    receiver.stdout.once('data', () => resolve());
    receiver.once('exit', () => reject(new Error('console receiver exited early')));
  });

  const consoleSocketFd = sb.track(N.connectUnix(sock));
  const script = [
    'tty > /out/tty',
    'stat -c "%F %t:%T" /dev/console > /out/console',
    'echo hello-from-the-pty',
    'echo done > /out/done',
  ].join('\n');
  const d = await drive(sb, basePlan(sb, { consoleSocketFd, args: ['sh', '-c', script] }));
  t.equal(d.last.type, c('SyncType_Ready'), `child reached Ready (${describe(d.last)})`);
  sb.closeFd(consoleSocketFd);
  // No state dir: nothing to release, the child execs right after Ready.
  const st = await N.reap(d.pidfd);
  sb.closeFd(d.pidfd);
  t.same(st, { code: 0, signal: 0 }, 'container exited 0');
  t.equal(await receiverDone, 0, 'receiver saw the pty close');

  t.equal(readOut(sb, 'done').trim(), 'done', 'script ran to the end');
  t.match(readOut(sb, 'tty').trim(), /^\/dev\/pts\/\d+$/, 'stdin is a pty of the container devpts');
  t.equal(readOut(sb, 'console').trim(), 'character special file 88:0', '/dev/console is the pty (136:0)');
  const got = fs.readFileSync(received, 'utf8');
  t.match(got, /^name=\/dev\/ptmx fds=1\n/, 'master sent with SCM_RIGHTS and the name runc sends');
  t.match(got, /hello-from-the-pty/, 'container output arrives on the master');
});

const V2_ROOT = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'].find(
  (d) => fs.existsSync(path.join(d, 'cgroup.procs')) && !fs.existsSync(path.join(d, 'tasks')),
);

t.test(
  'spawn: with cgroupFd the child is born in that cgroup (CLONE_INTO_CGROUP)',
  { skip: V2_ROOT ? false : 'no cgroup v2 hierarchy' },
  async (t) => {
    const v2root = V2_ROOT ?? '';
    const name = `tsrun-test-addon-${process.pid}`;
    const dir = path.join(v2root, name);
    fs.mkdirSync(dir);
    const sb = new Sandbox();
    t.teardown(async () => {
      await sb.dispose();
      fs.rmdirSync(dir);
    });
    const cgroupFd = sb.track(N.openReadOnly(dir));
    const r = N.spawn(basePlan(sb, { cgroupFd }));
    const pidfd = sb.trackPidfd(r.pidfd);
    sb.track(r.syncFd);
    const line = fs
      .readFileSync(`/proc/${r.pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    t.equal(line, `0::/${name}`, 'in the cgroup before Go');
    N.pidfdSignal(pidfd, SIGKILL);
    t.same(await N.reap(pidfd), { code: -1, signal: SIGKILL }, 'killed by SIGKILL');
    sb.closeFd(pidfd);
  },
);

t.test('spawn: noPivot moves the rootfs to / and chroots; domainname is set', async (t) => {
  const sb = new Sandbox();
  t.teardown(() => sb.dispose());
  const script = 'cat /proc/sys/kernel/domainname > /out/domainname; ls / > /out/root; echo done > /out/done';
  const d = await drive(sb, basePlan(sb, { noPivot: true, domainname: 'example.org', args: ['sh', '-c', script] }));
  t.equal(d.last.type, c('SyncType_Ready'), `child reached Ready (${describe(d.last)})`);
  const st = await N.reap(d.pidfd);
  sb.closeFd(d.pidfd);
  t.same(st, { code: 0, signal: 0 }, 'container exited 0');
  t.equal(readOut(sb, 'done').trim(), 'done', 'script ran to the end');
  t.equal(readOut(sb, 'domainname').trim(), 'example.org', 'domainname set');
  t.match(readOut(sb, 'root'), /^bin$/m, 'the rootfs is /');
});

t.test('spawn: an execve failure after Ready exits 127, the sync socket already closed', async (t) => {
  const sb = new Sandbox();
  t.teardown(() => sb.dispose());
  // Executable but not a program: execve fails with ENOEXEC only at the very end.
  const bad = path.join(sb.rootfs, 'bin', 'not-a-program');
  fs.writeFileSync(bad, 'garbage\n', { mode: 0o755 });
  const d = await drive(sb, basePlan(sb, { args: ['not-a-program'] }));
  t.equal(d.last.type, c('SyncType_Ready'), 'lookup succeeds: it is an executable file');
  // The sync socket is a runtime fd: closed for real before execve, so the failure is
  // told on the container's stderr only (exec.cc fail_late).
  const m = N.syncRecv(d.syncFd, d.pidfd, TIMEOUT_MS);
  t.match(m, { type: c('SyncType_Error'), step: c('ChildStep_Sync'), detail: 'child exited' });
  const st = await N.reap(d.pidfd);
  sb.closeFd(d.pidfd);
  t.same(st, { code: 127, signal: 0 }, 'exit status 127');
});

t.test('spawn: a non-root user keeps only the ambient capabilities it was given', async (t) => {
  const sb = new Sandbox();
  t.teardown(() => sb.dispose());
  fs.chmodSync(sb.out, 0o777);
  const NET_BIND = 1n << 10n;
  const plan = basePlan(sb, {
    uid: 1000,
    gid: 1001,
    additionalGids: [1002, 1003],
    umask: 0o077,
    capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS, inheritable: NET_BIND, ambient: NET_BIND },
    args: ['sh', '-c', 'cat /proc/self/status > /out/status; echo x > /out/file; echo done > /out/done'],
  });
  const d = await drive(sb, plan);
  t.equal(d.last.type, c('SyncType_Ready'), `child reached Ready (${describe(d.last)})`);
  const st = await N.reap(d.pidfd);
  sb.closeFd(d.pidfd);
  t.same(st, { code: 0, signal: 0 }, 'container exited 0');
  const status = readOut(sb, 'status');
  t.match(statusField(status, 'Uid'), /^1000\s+1000\s+1000\s+1000$/, 'uid 1000');
  t.match(statusField(status, 'Gid'), /^1001\s+1001\s+1001\s+1001$/, 'gid 1001');
  t.equal(statusField(status, 'Groups'), '1002 1003', 'additional gids');
  t.equal(statusField(status, 'CapAmb'), capHex(NET_BIND), 'ambient set raised');
  t.equal(statusField(status, 'CapEff'), capHex(NET_BIND), 'effective = ambient after exec');
  t.equal(statusField(status, 'CapBnd'), capHex(CAPS), 'bounding set');
  const f = fs.statSync(path.join(sb.out, 'file'));
  t.equal(f.uid, 1000, 'file owner');
  t.equal(f.mode & 0o777, 0o600, 'umask 077 applied');
});

t.test(
  'spawn: with noNewPrivileges a filter the kernel refuses fails before Detached, while create listens',
  async (t) => {
    const sb = new Sandbox();
    t.teardown(() => sb.dispose());
    // One instruction with an opcode the kernel does not know: seccomp(2) answers EINVAL.
    const bad = new Uint8Array(8);
    new DataView(bad.buffer).setUint16(0, 0xffff, true);
    const plan = basePlan(sb, {
      noNewPrivileges: true,
      seccomp: { filter: bad, flags: 0 },
      args: ['sh', '-c', 'true'],
    });
    let error: Error | undefined;
    try {
      await drive(sb, plan);
    } catch (err) {
      error = err as Error;
    }
    t.match(
      error?.message,
      new RegExp(
        `expected Detached, got type ${c('SyncType_Error')} step ${c('ChildStep_Seccomp')} index -1 errno 22 `,
      ),
      'the Error replaces Detached',
    );
  },
);

t.test(
  'spawn: every fd the plan names is lifted above the preserved range; runtime fds in it are closed',
  async (t) => {
    const sb = new Sandbox();
    t.teardown(() => sb.dispose());
    // Open fds of ours, then hand the child a preserved range reaching past all of them
    // (Node's own fds fall in it too) of which only `passed` is the caller's.
    const fillers: number[] = [];
    for (let i = 0; i < 8; i++) fillers.push(sb.track(fs.openSync(sb.out, 'r')));
    const passed = fillers[0]!;
    const top = Math.max(...fillers) + 1;
    const fifo = path.join(sb.state, 'exec.fifo');
    N.mkfifo(fifo, 0o600);
    const fifoFd = sb.track(fs.openSync(fifo, fs.constants.O_RDWR));
    const d = await drive(
      sb,
      basePlan(sb, { preserveFds: top - 3, inheritFds: [passed], fifoFd, args: ['sh', '-c', 'true'] }),
    );
    t.equal(d.last.type, c('SyncType_Ready'), describe(d.last));
    // What the init holds while it waits on the fifo is what reaches execve, but for the
    // fifo and the sync socket, which it closes right before.
    const held = new Map(
      fs
        .readdirSync(`/proc/${d.pid}/fd`)
        .map((e) => [Number(e), fs.readlinkSync(`/proc/${d.pid}/fd/${e}`)] as [number, string]),
    );
    t.equal(held.get(passed), sb.out, `the passed fd ${passed} is inherited`);
    t.same(
      [...held.keys()].filter((fd) => fd > 2 && fd < top && fd !== passed),
      [],
      'no other fd of the preserved range',
    );
    const above = [...held.entries()].filter(([fd]) => fd >= top);
    t.equal(above.length, 2, `above the range only the fifo and the sync socket (${JSON.stringify(above)})`);
    t.ok(above.some(([, target]) => target === fifo) && above.some(([, target]) => target.startsWith('socket:')));
    t.equal(N.releaseFifo(fifo, d.pidfd, TIMEOUT_MS), true);
    const st = await N.reap(d.pidfd);
    sb.closeFd(d.pidfd);
    t.same(st, { code: 0, signal: 0 });
  },
);

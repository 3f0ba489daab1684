// A fake child on the other end of the sync socket, for the ladder's unit tests. The
// kernel and the addon are mocked here: what each LadderTransport call returns or throws
// reproduces addon/src/sync.cc (sync_recv, try_recv, sync_send, wait_exit) and addon.cc
// (SyncRecv turns ChildGone into an Error message, Timeout and Failed into SyscallError,
// whose message src/errno.ts words):
//
// * recv: a full record queued is returned first, even when the process has exited (a
//   message wins over the pidfd's readiness: the intermediate sends Pid and exits). A
//   record of the wrong size throws `recv sync socket: protocol error` (EPROTO). Nothing
//   queued and the watched process exited, or no process holding the child's end any
//   more (EOF): Error {step Sync, index -1, errno 0, arg 0, detail "child exited"}.
//   Nothing queued and the child alive and silent: the wait runs out (no real time
//   passes) and it throws `recv sync socket: connection timed out` (ETIMEDOUT). A pidfd
//   that is not open throws EBADF (poll's POLLNVAL).
// * send: no process holds the child's end: `send sync socket: broken pipe` (EPIPE).
// * reapNoHang: the exit status once, null while running (or still dying after SIGKILL,
//   see dyingMs), ECHILD once reaped.
// * pidfdOpen: ESRCH for a pid that is not a child (or was reaped).
//
// The child's side is a script: what it does on each message from the parent. A message
// the script has no entry for is what the real child's child_await does with it: Error
// {step Sync, errno EPROTO, "unexpected sync message"} and exit 1.
import { constants } from 'node:os';
import type { LadderTransport } from '../../src/container/init-ladder';
import { ChildStep, SyncType, type SyncMessage } from '../../src/plan/types';
import { SyscallError, type ExitStatus } from '../../src/sys/native';

const { EBADF, ECHILD, EPIPE, EPROTO, ESRCH, ETIMEDOUT } = constants.errno;

function syscallError(op: string, errno: number, subject: string): SyscallError {
  return new SyscallError(op, errno, subject);
}

interface FakeProcess {
  pid: number;
  exit: ExitStatus | null;
  reaped: boolean;
  /** It holds the child's end of the sync socket. */
  holdsSocket: boolean;
  /** A background reap waits for it. */
  reapPending: boolean;
  /** Killed, exiting at `until`. */
  dying?: { until: number; status: ExitStatus };
}

type QueuedRecord = { kind: 'message'; msg: SyncMessage } | { kind: 'short' };

/** What the child does on one message from the parent (`arg` is the message's arg). */
export type ChildScript = Partial<Record<SyncType, (child: FakeChild, arg: number) => void>>;

/** The child's actions, as the current process (the cloned child, or the init it forked). */
export interface FakeChild {
  readonly pid: number;
  say(type: number, arg?: number): void;
  /** child/report.h fail(): Error {step, index, errno, detail}, then exit 1. */
  fail(step: ChildStep, index: number, errno: number, detail: string): void;
  /** A record of the wrong size on the socket. */
  shortRecord(): void;
  exit(code: number): void;
  killedBy(signal: number): void;
  /** Its end of the socket closed while the process still runs (the EOF that can reach
   * the parent before the exit does). */
  closeSocket(): void;
  /** ns_fork_init: fork the init with CLONE_PARENT, say Pid, the intermediate exits 0. */
  forkInit(pid: number): void;
}

/** The child as tsrun's is: the rungs it reports depend on its namespaces. */
export function normalChild(opts: {
  userNamespace: boolean;
  pidNamespace: boolean;
  initPid?: number;
  /** A new time namespace with linux.timeOffsets: the child asks for them before the fork. */
  timeOffsets?: boolean;
}): ChildScript {
  const afterOffsets = (c: FakeChild): void => {
    if (opts.pidNamespace) c.forkInit(opts.initPid ?? 200);
    c.say(SyncType.CreateRuntime);
  };
  const afterMaps = (c: FakeChild): void =>
    opts.timeOffsets ? c.say(SyncType.NeedTimeOffsets, c.pid) : afterOffsets(c);
  return {
    [SyncType.Go]: (c) => (opts.userNamespace ? c.say(SyncType.NeedIdMaps, c.pid) : afterMaps(c)),
    [SyncType.IdMapsDone]: (c) => afterMaps(c),
    [SyncType.TimeOffsetsDone]: (c) => afterOffsets(c),
    [SyncType.Resume]: (c) => c.say(SyncType.Ready),
    [SyncType.Detach]: (c) => c.say(SyncType.Detached),
  };
}

export class FakeSyncChannel implements LadderTransport {
  /** What happened, in order: "parent Go", "child Pid 200", and whatever tests add. */
  readonly events: string[] = [];
  /** The timeout of each recv. */
  readonly recvTimeouts: number[] = [];
  readonly signals: { pid: number; signal: number }[] = [];
  /** How long (real time) a SIGKILLed process takes to exit: tearing down its namespaces
   * can take seconds on a loaded host. */
  dyingMs = 0;
  private readonly queue: QueuedRecord[] = [];
  private readonly processes = new Map<number, FakeProcess>();
  private readonly pidfds = new Map<number, FakeProcess>();
  private nextFd = 20;
  private current: FakeProcess;
  /** The cloned child, as spawn returns it. */
  readonly spawned: { pid: number; pidfd: number };

  constructor(
    private readonly script: ChildScript,
    pid = 100,
  ) {
    this.current = this.addProcess(pid);
    this.spawned = { pid, pidfd: this.openFd(this.current) };
  }

  /** Run the child's side before any message (a failure before it waits for Go). */
  before(run: (child: FakeChild) => void): this {
    run(this.child());
    return this;
  }

  process(pid: number): Readonly<FakeProcess> | undefined {
    return this.processes.get(pid);
  }

  isOpen(fd: number): boolean {
    return this.pidfds.has(fd);
  }

  /** The pid a pidfd refers to. */
  pidOf(fd: number): number | undefined {
    return this.pidfds.get(fd)?.pid;
  }

  send(type: SyncType, arg: number): void {
    if (![...this.processes.values()].some((p) => p.holdsSocket)) throw syscallError('send', EPIPE, 'sync socket');
    this.events.push(`parent ${SyncType[type]}`);
    const child = this.child();
    const step = this.script[type];
    if (step) step(child, arg);
    else child.fail(ChildStep.Sync, -1, EPROTO, 'unexpected sync message');
  }

  /** pidfd_getfd: the copy's number is 900 + the child's. */
  takeFd(pidfd: number, fd: number): number {
    const owner = this.pidfds.get(pidfd);
    if (!owner) throw syscallError('pidfd_getfd', EBADF, String(fd));
    this.events.push(`parent takeFd ${owner.pid} ${fd}`);
    return 900 + fd;
  }

  recv(pidfd: number, timeoutMs: number): SyncMessage {
    this.recvTimeouts.push(timeoutMs);
    const watched = this.pidfds.get(pidfd);
    if (!watched) throw syscallError('recv', EBADF, 'sync socket');
    const head = this.queue.shift();
    if (head?.kind === 'short') throw syscallError('recv', EPROTO, 'sync socket');
    if (head) return head.msg;
    const peerOpen = [...this.processes.values()].some((p) => p.holdsSocket);
    if (watched.exit || !peerOpen)
      return { type: SyncType.Error, step: ChildStep.Sync, index: -1, errno: 0, arg: 0, detail: 'child exited' };
    throw syscallError('recv', ETIMEDOUT, 'sync socket');
  }

  reapNoHang(pidfd: number): ExitStatus | null {
    const p = this.pidfds.get(pidfd);
    if (!p) throw syscallError('waitid', EBADF, '');
    if (p.reaped) throw syscallError('waitid', ECHILD, '');
    if (p.dying && performance.now() >= p.dying.until) this.end(p, p.dying.status);
    if (!p.exit) return null;
    p.reaped = true;
    return p.exit;
  }

  pidfdOpen(pid: number): number {
    const p = this.processes.get(pid);
    if (!p || p.reaped) throw syscallError('pidfd_open', ESRCH, String(pid));
    return this.openFd(p);
  }

  reapInBackground(pidfd: number): void {
    const p = this.pidfds.get(pidfd);
    if (!p) throw syscallError('waitid', EBADF, '');
    this.events.push(`parent reaps ${p.pid} in the background`);
    if (p.exit) p.reaped = true;
    else p.reapPending = true;
    this.pidfds.delete(pidfd);
  }

  signal(pidfd: number, signal: number): void {
    const p = this.pidfds.get(pidfd);
    if (!p) throw syscallError('pidfd_send_signal', EBADF, '');
    if (p.exit) throw syscallError('pidfd_send_signal', ESRCH, '');
    this.signals.push({ pid: p.pid, signal });
    if (signal === 9 && this.dyingMs === 0) this.end(p, { code: -1, signal });
    else if (signal === 9) p.dying = { until: performance.now() + this.dyingMs, status: { code: -1, signal } };
  }

  close(fd: number): void {
    if (!this.pidfds.delete(fd)) throw syscallError('close', EBADF, '');
  }

  private addProcess(pid: number): FakeProcess {
    const p: FakeProcess = { pid, exit: null, reaped: false, holdsSocket: true, reapPending: false };
    this.processes.set(pid, p);
    return p;
  }

  private openFd(p: FakeProcess): number {
    const fd = this.nextFd++;
    this.pidfds.set(fd, p);
    return fd;
  }

  private end(p: FakeProcess, status: ExitStatus): void {
    p.exit = status;
    p.holdsSocket = false;
    if (p.reapPending) p.reaped = true;
  }

  private child(): FakeChild {
    const channel = this;
    const push = (msg: SyncMessage): void => {
      if (!channel.current.holdsSocket) throw new Error(`fake child ${channel.current.pid} has no socket to write to`);
      channel.events.push(`child ${SyncType[msg.type] ?? `message ${msg.type}`}${msg.arg ? ` ${msg.arg}` : ''}`);
      channel.queue.push({ kind: 'message', msg });
    };
    const child: FakeChild = {
      get pid() {
        return channel.current.pid;
      },
      say: (type, arg = 0) => push({ type, step: 0, index: -1, errno: 0, arg, detail: '' }),
      fail: (step, index, errno, detail) => {
        push({ type: SyncType.Error, step, index, errno, arg: 0, detail });
        child.exit(1);
      },
      shortRecord: () => {
        channel.events.push('child short record');
        channel.queue.push({ kind: 'short' });
      },
      exit: (code) => channel.end(channel.current, { code, signal: 0 }),
      killedBy: (signal) => channel.end(channel.current, { code: -1, signal }),
      closeSocket: () => {
        channel.current.holdsSocket = false;
      },
      forkInit: (pid) => {
        const init = channel.addProcess(pid);
        child.say(SyncType.Pid, pid);
        child.exit(0);
        channel.current = init;
      },
    };
    return child;
  }
}

// The runtime's side of the sync ladder that src/plan/types.ts draws: release the cloned
// child, follow it up the rungs it reports (answering the ones that wait for the runtime)
// until it is Ready, then let it detach. The ladder owns the child's pidfd: when the
// intermediate reports Pid, it follows the init forked into the pid namespace from then
// on and reaps the intermediate. It talks to the child through a LadderTransport, the
// addon's sync socket and pidfd calls in real use (addonTransport), a fake in unit tests.
import { constants } from 'node:os';
import { TsrunError } from '../errors';
import { ChildStep, SyncType, type SyncMessage } from '../plan/types';
import type { ExitStatus, Native } from '../sys/native';
import { waitUntil } from '../sys/sleep';

/** How long the child may take between two messages. */
export const SYNC_TIMEOUT_MS = 60_000;

/** How long the undo waits for a killed child to be gone. Its exit tears down its
 * namespaces and mounts, which takes seconds on a loaded host (2 s was seen to be short). */
const KILL_WAIT_MS = 10_000;

/** What the ladder needs of the child's socket and process. Errors are thrown as the
 * addon throws them: SyscallError with `op` and `errno`. */
export interface LadderTransport {
  /** Send one message. Throws (EPIPE) when no process holds the child's end any more. */
  send(type: SyncType, arg: number): void;
  /** The next message, waiting up to timeoutMs while watching `pidfd`. A queued message
   * wins over the process's exit. The process gone with nothing queued (or the socket's
   * other end closed) is reported as an Error message at step Sync with errno 0 and
   * detail "child exited". Throws ETIMEDOUT when nothing came, EPROTO for a record of
   * the wrong size (a short read), EBADF for a closed fd. */
  recv(pidfd: number, timeoutMs: number): SyncMessage;
  /** Reap the process if it has exited; null while it runs. Throws ECHILD once reaped. */
  reapNoHang(pidfd: number): ExitStatus | null;
  /** A copy of fd `fd` of the process behind `pidfd` (pidfd_getfd), CLOEXEC. */
  takeFd(pidfd: number, fd: number): number;
  /** A pidfd of a child of this process (the init forked with CLONE_PARENT). */
  pidfdOpen(pid: number): number;
  /** Reap an exiting process in the background, then close its pidfd. */
  reapInBackground(pidfd: number): void;
  /** Send a signal; throws (ESRCH) when the process has exited. */
  signal(pidfd: number, signal: number): void;
  close(fd: number): void;
}

/** The transport over the addon: the parent's end of the sync socket, and pidfds. */
export function addonTransport(addon: Native, syncFd: number): LadderTransport {
  return {
    send: (type, arg) => addon.syncSend(syncFd, type, arg),
    recv: (pidfd, timeoutMs) => addon.syncRecv(syncFd, pidfd, timeoutMs),
    reapNoHang: (pidfd) => addon.reapNoHang(pidfd),
    takeFd: (pidfd, fd) => addon.pidfdGetFd(pidfd, fd),
    pidfdOpen: (pid) => addon.pidfdOpen(pid),
    reapInBackground: (pidfd) => {
      const close = (): void => {
        try {
          addon.close(pidfd);
        } catch {
          // closing is best effort
        }
      };
      addon.reap(pidfd).then(close, close);
    },
    signal: (pidfd, signal) => addon.pidfdSignal(pidfd, signal),
    close: (fd) => addon.close(fd),
  };
}

/** "Ready" for SyncType.Ready; "message 99" for a number the enum does not name. */
export function syncTypeName(type: number): string {
  const name = (SyncType as unknown as Record<number, string | undefined>)[type];
  return typeof name === 'string' ? name : `message ${type}`;
}

function nameList(types: readonly SyncType[]): string {
  const names = types.map(syncTypeName);
  return names.length <= 1 ? (names[0] ?? 'nothing') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/** What the runtime does at the rungs where the child waits for it. A rung without a
 * handler is not expected: the child reporting it is a protocol error. */
export interface LadderHandlers {
  /** NeedIdMaps: the child (pid) made its user namespace; write its uid/gid maps. The
   * ladder answers IdMapsDone when this returns. */
  writeIdMaps?(pid: number): void;
  /** NeedTimeOffsets: the child (pid) made its time namespace; write linux.timeOffsets.
   * The ladder answers TimeOffsetsDone when this returns. */
  writeTimeOffsets?(pid: number): void;
  /** Pid: the init was forked into its pid (or time) namespace; the ladder follows it
   * already. Told for information. */
  initForked?(pid: number): void;
  /** CreateRuntime: the mounts are made, pivot_root is not. The ladder answers Resume
   * when this returns. */
  createRuntime?(): void;
}

/** The rungs the child may report between Go and Ready, in the only order it can. */
const RUNGS: readonly SyncType[] = [
  SyncType.NeedIdMaps,
  SyncType.NeedTimeOffsets,
  SyncType.Pid,
  SyncType.CreateRuntime,
  SyncType.Ready,
];

type Phase = 'spawned' | 'released' | 'ready' | 'detached' | 'failed';

export interface LadderOptions {
  /** The child's Error message as one sentence (describeChildError with the spec). */
  describe(msg: SyncMessage): Error;
  /** Debug lines: each message received. */
  trace?(what: string): void;
  /** SeccompListener (a filter with SCMP_ACT_NOTIFY is in, at either install point): the
   * runtime's copy of the listener, for `pid` (the process the filter confines), which
   * this owns and closes. The ladder answers SeccompListenerDone when it returns. Without
   * it the message is a protocol error. */
  seccompListener?(listenerFd: number, pid: number): void;
  timeoutMs?: number;
}

/** The addon's word for "the child is gone and said nothing" (sync.cc's ChildGone): an
 * Error at step Sync without errno. A failure the child reports itself at that step
 * always carries one. Step 0, or neither errno nor detail, say nothing either. */
function isSilentEnd(msg: SyncMessage): boolean {
  return msg.step === 0 || (msg.errno === 0 && (msg.step === ChildStep.Sync || msg.detail === ''));
}

export class InitLadder {
  private phase: Phase = 'spawned';
  private currentPid: number;
  private currentPidfd: number;
  private reaped = false;
  private readonly timeoutMs: number;

  constructor(
    private readonly transport: LadderTransport,
    child: { pid: number; pidfd: number },
    private readonly options: LadderOptions,
  ) {
    this.currentPid = child.pid;
    this.currentPidfd = child.pidfd;
    this.timeoutMs = options.timeoutMs ?? SYNC_TIMEOUT_MS;
  }

  /** The container's init as the host sees it: the cloned child, or after Pid the init
   * it forked into its pid namespace. */
  get pid(): number {
    return this.currentPid;
  }

  /** pidfd of `pid`. After detach() the caller owns it. */
  get pidfd(): number {
    return this.currentPidfd;
  }

  /** Go: the child is placed (cgroups) and may start its work. */
  release(): void {
    this.enter('spawned', 'release');
    this.send(SyncType.Go);
    this.phase = 'released';
  }

  /** Follow the child's reports, answering each, until it is Ready (confined, blocked
   * before the Detach it waits for). */
  followUntilReady(handlers: LadderHandlers): void {
    this.enter('released', 'followUntilReady');
    let next = 0;
    for (;;) {
      const expected = RUNGS.slice(next).filter((type) => this.handles(type, handlers));
      const msg = this.receive(expected);
      if (!expected.includes(msg.type)) throw this.unexpected(expected, msg);
      next = RUNGS.indexOf(msg.type) + 1;
      switch (msg.type) {
        case SyncType.NeedIdMaps:
          this.guard(() => handlers.writeIdMaps!(msg.arg));
          this.send(SyncType.IdMapsDone);
          break;
        case SyncType.NeedTimeOffsets:
          this.guard(() => handlers.writeTimeOffsets!(msg.arg));
          this.send(SyncType.TimeOffsetsDone);
          break;
        case SyncType.Pid:
          this.followInit(msg.arg);
          this.guard(() => handlers.initForked?.(msg.arg));
          break;
        case SyncType.CreateRuntime:
          this.guard(() => handlers.createRuntime!());
          this.send(SyncType.Resume);
          break;
        default:
          this.phase = 'ready';
          return;
      }
    }
  }

  /** Detach, and wait for Detached: only now does the child clear its parent-death
   * signal and may outlive the runtime. */
  detach(): void {
    this.enter('ready', 'detach');
    this.send(SyncType.Detach);
    const msg = this.receive([SyncType.Detached]);
    if (msg.type !== SyncType.Detached) throw this.unexpected([SyncType.Detached], msg);
    this.phase = 'detached';
  }

  /** Undo: SIGKILL the child (or the init it forked), wait for it to be gone (its cgroup
   * cannot be removed while it lives), close its pidfd. */
  kill(): void {
    try {
      this.transport.signal(this.currentPidfd, 9);
    } catch {
      // already gone
    }
    try {
      const gone = () => this.reaped || this.transport.reapNoHang(this.currentPidfd) !== null;
      if (!waitUntil(gone, KILL_WAIT_MS, 50))
        throw new Error(`container init ${this.currentPid} still runs ${KILL_WAIT_MS / 1000} s after SIGKILL`);
    } finally {
      this.transport.close(this.currentPidfd);
    }
  }

  private handles(type: SyncType, handlers: LadderHandlers): boolean {
    if (type === SyncType.NeedIdMaps) return handlers.writeIdMaps !== undefined;
    if (type === SyncType.NeedTimeOffsets) return handlers.writeTimeOffsets !== undefined;
    if (type === SyncType.CreateRuntime) return handlers.createRuntime !== undefined;
    return true;
  }

  /** The intermediate forked the init into its pid namespace and exits: follow the init. */
  private followInit(pid: number): void {
    const intermediate = this.currentPidfd;
    this.currentPidfd = this.guard(() => this.transport.pidfdOpen(pid));
    this.currentPid = pid;
    this.transport.reapInBackground(intermediate);
  }

  private enter(phase: Phase, step: string): void {
    if (this.phase !== phase) throw new Error(`init ladder: ${step}() when the child is ${this.phase}`);
  }

  /** Runs one of the runtime's own steps; a failure ends the ladder. */
  private guard<T>(run: () => T): T {
    try {
      return run();
    } catch (err) {
      this.phase = 'failed';
      throw err;
    }
  }

  /** A send the child's end refuses (it is gone) reports what the child left queued, or
   * how it ended, in place of the bare EPIPE. */
  private send(type: SyncType): void {
    try {
      this.transport.send(type, 0);
    } catch (err) {
      const errno = (err as { errno?: unknown }).errno;
      if (errno === constants.errno.EPIPE || errno === constants.errno.ECONNRESET) this.receive([]);
      this.phase = 'failed';
      throw err;
    }
  }

  /** The next message; a child Error becomes the described failure, a silent end the
   * child's exit status. */
  private receive(expected: readonly SyncType[]): SyncMessage {
    for (;;) {
      const msg = this.receiveOne(expected);
      if (msg.type !== SyncType.SeccompListener || expected.includes(SyncType.SeccompListener)) return msg;
      this.passListener(msg, expected);
    }
  }

  /** The child waits (its filter in) until the runtime holds its listener: take a copy
   * of the fd, hand it on, let the child close its own. */
  private passListener(msg: SyncMessage, expected: readonly SyncType[]): void {
    const handler = this.options.seccompListener;
    if (!handler) throw this.unexpected(expected, msg);
    const fd = this.guard(() => this.transport.takeFd(this.currentPidfd, msg.arg));
    this.guard(() => handler(fd, this.currentPid));
    this.send(SyncType.SeccompListenerDone);
  }

  private receiveOne(expected: readonly SyncType[]): SyncMessage {
    const until = this.phase === 'ready' ? 'detached' : 'was ready';
    const msg = this.guard(() => {
      try {
        return this.transport.recv(this.currentPidfd, this.timeoutMs);
      } catch (err) {
        if ((err as { errno?: unknown }).errno !== constants.errno.ETIMEDOUT) throw err;
        throw new TsrunError(
          'ERR_TSRUN_CHILD',
          `sync: no message from the container init in ${this.timeoutMs / 1000} s (expected ${nameList(expected)})`,
          { cause: err },
        );
      }
    });
    this.options.trace?.(`child sent ${syncTypeName(msg.type)}`);
    if (msg.type !== SyncType.Error) return msg;
    this.phase = 'failed';
    if (!isSilentEnd(msg)) throw this.options.describe(msg);
    const status = this.transport.reapNoHang(this.currentPidfd);
    if (status) this.reaped = true;
    const how = status
      ? status.signal
        ? `killed by signal ${status.signal}`
        : `exit status ${status.code}`
      : 'no reply';
    throw new TsrunError('ERR_TSRUN_CHILD', `container init ended before it ${until} (${how})`);
  }

  private unexpected(expected: readonly SyncType[], msg: SyncMessage): TsrunError {
    this.phase = 'failed';
    return new TsrunError(
      'ERR_TSRUN_CHILD',
      `sync: expected ${nameList(expected)}, received ${syncTypeName(msg.type)}`,
    );
  }
}

// The addon's surface, typed (no `any` at the seam), and its lazy loader. Commands that
// need no kernel help beyond what Node has (state, list, spec) never load it.
import { existsSync } from 'node:fs';
import { errnoText } from '../errno';
import type { InitPlan, SyncMessage } from '../plan/types';
import { installPath } from './install-path';

interface SpawnResult {
  /** Pid of the cloned child (the container's init unless it forks again for a pid ns). */
  pid: number;
  /** pidfd of that child, CLOEXEC. */
  pidfd: number;
  /** Parent's end of the SOCK_SEQPACKET sync pair, CLOEXEC. */
  syncFd: number;
}

export interface ExitStatus {
  /** Exit code when exited normally, else -1. */
  code: number;
  /** Terminating signal number, else 0. */
  signal: number;
}

export interface Native {
  /** Clone the child for `plan` (copied into C structs before clone3). Throws SyscallError. */
  spawn(plan: InitPlan): SpawnResult;
  /** The plan as the child would see it (the ChildPlan spawn builds), read back with the
   * InitPlan's field names; nothing is cloned. For test/unit/plan-contract.test.ts. */
  planEcho(plan: InitPlan): InitPlan;
  /** Wait up to timeoutMs for the next sync message, polling the pidfd too: a child that
   * dies first is reported as an Error message with step Sync and errno 0. */
  syncRecv(syncFd: number, pidfd: number, timeoutMs: number): SyncMessage;
  syncSend(syncFd: number, type: number, arg: number): void;
  /** pidfd_open(pid, 0), CLOEXEC. Throws SyscallError (ESRCH when gone). */
  pidfdOpen(pid: number): number;
  /** pidfd_getfd: a copy (CLOEXEC) of fd `targetFd` of the process behind `pidfd`. */
  pidfdGetFd(pidfd: number, targetFd: number): number;
  /** pidfd_send_signal; throws SyscallError (ESRCH when already exited). */
  pidfdSignal(pidfd: number, signal: number): void;
  /** Reap a child of this process without blocking (waitid P_PIDFD, WNOHANG); null if it runs. */
  reapNoHang(pidfd: number): ExitStatus | null;
  /** Reap a child of this process on a worker thread (waitid P_PIDFD, WEXITED). */
  reap(pidfd: number): Promise<ExitStatus>;
  /** mkfifo(path, mode). */
  mkfifo(filePath: string, mode: number): void;
  /** Write the byte the child waits for into the fifo and wait (polling pidfd too) until
   * it is taken; false if the child died first. */
  releaseFifo(fifoPath: string, pidfd: number, timeoutMs: number): boolean;
  /** Wait (polling pidfd too) for the init's report on the start-hooks fifo, opened
   * O_RDONLY|O_NONBLOCK: StartHooksDone or an Error; null when it exited without one. */
  awaitStartHooks(fifoFd: number, pidfd: number): SyncMessage | null;
  /** Open a namespace file O_RDONLY|O_CLOEXEC. */
  openReadOnly(filePath: string): number;
  /** The runtime's interface `name`'s index; 0 when it has no such interface. */
  linkIndex(name: string): number;
  /** The permanent global addresses (IPv4 and IPv6) of the runtime's interface `name`
   * (rtnetlink RTM_GETADDR). Throws SyscallError. */
  linkAddresses(name: string): LinkAddress[];
  /** One RTM_NEWLINK: the runtime's interface `name` into the network namespace `nsFd`,
   * renamed `newName` (the kernel takes it down). Its index before the move. Throws
   * SyscallError. */
  moveLink(name: string, nsFd: number, newName: string): number;
  /** Inside `nsFd` (a runtime thread that joins it alone, then ends): the moved link
   * (`name`, or for a "%d" template `indexBefore`) gets `addresses` back, then is set up.
   * Throws SyscallError: op RTM_NEWADDR with the address's text, or setns, socket, find,
   * RTM_NEWLINK with `name`. */
  setUpMovedLink(nsFd: number, indexBefore: number, name: string, addresses: LinkAddress[]): void;
  /** A detached copy of a bind source (open_tree OPEN_TREE_CLONE, AT_RECURSIVE when
   * `recursive`), with MS_* `mountFlags` set and `clearFlags` cleared on it unless
   * mountFlags is -1; with `idmap`, mapped first through a new user namespace with those
   * uid_map/gid_map texts (MOUNT_ATTR_IDMAP, on every mount of the tree when `recursive`).
   * CLOEXEC. */
  openTree(
    sourcePath: string,
    recursive: boolean,
    mountFlags: number,
    clearFlags: number,
    idmap?: { uidMap: string; gidMap: string; recursive: boolean },
  ): number;
  /** socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC) + connect(path). */
  connectUnix(socketPath: string): number;
  /** One sendmsg of `data` with `fd` attached (SCM_RIGHTS); the whole of `data` or a throw. */
  sendFd(sock: number, data: Buffer, fd: number): void;
  /** The first maxBytes (at most 16 MiB) of a regular file of a rootfs, resolved with
   * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) so nothing outside the rootfs is
   * reached. null when the file is absent, unreachable (ENOENT, ELOOP, EACCES, ...) or not a
   * regular file: a FIFO, socket or device node is never opened for reading. Other
   * failures throw SyscallError. */
  readFileInRoot(rootfs: string, relativePath: string, maxBytes: number): Buffer | null;
  /** flock(fd, LOCK_EX or LOCK_SH | LOCK_NB): true when taken, false when a conflicting
   * lock is held elsewhere. Released when every copy of the fd is closed. */
  tryLock(fd: number, exclusive: boolean): boolean;
  /** socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): [the runtime's end, the child's end]. */
  socketPair(): [number, number];
  /** The one fd of an SCM_RIGHTS message already waiting on `fd` (never blocks: EAGAIN
   * when there is none), CLOEXEC; EBADMSG when the message carries no fd or several. */
  recvFd(fd: number): number;
  /** TIOCGWINSZ: the size of the terminal on `fd`; null when it is not a terminal. */
  windowSize(fd: number): { rows: number; cols: number } | null;
  /** TIOCSWINSZ on a terminal (the kernel sends its foreground group SIGWINCH on a change). */
  setWindowSize(fd: number, rows: number, cols: number): void;
  /** Clear ONLCR on a terminal's output flags ("\n" stays "\n"), as runc does to the pty. */
  clearOnlcr(fd: number): void;
  close(fd: number): void;
  /** The ABI constants (SyncType, ChildStep values, struct sizes) for the agreement test. */
  constants: Record<string, number>;
}

/** Raised by the addon for a failing syscall; registered with the addon at load. The
 * addon passes only the call, the errno and what it acted on: the message,
 * "<op> <subject>: <text>" ("open /x: no such file or directory"), is built here from the
 * one errno table, so runtime and addon errors read alike. */
/** An interface address as RTM_GETADDR gives it (`text`: "192.0.2.7/24"). */
export interface LinkAddress {
  family: 4 | 6;
  prefixLength: number;
  text: string;
  local?: Buffer;
  address?: Buffer;
  broadcast?: Buffer;
}

export class SyscallError extends Error {
  readonly code = 'ERR_TSRUN_SYSCALL';
  constructor(
    readonly op: string,
    readonly errno: number,
    readonly subject: string,
  ) {
    super(`${op}${subject ? ` ${subject}` : ''}: ${errnoText(errno)}`);
  }
}

let loaded: Native | undefined;

/** Where the addon lives: $TSRUN_ADDON, else addon/build/Release below the install root. */
function candidatePaths(): string[] {
  const fromEnv = process.env.TSRUN_ADDON;
  return [...(fromEnv ? [fromEnv] : []), installPath('addon', 'build', 'Release', 'tsrun.node')];
}

export function native(): Native {
  if (loaded) return loaded;
  const tried: string[] = [];
  for (const p of candidatePaths()) {
    if (!existsSync(p)) {
      tried.push(p);
      continue;
    }
    // process.dlopen, not require: the loader's resolution of the path costs about 1.4 ms.
    const mod = { exports: {} as Native & { init(errorClass: typeof SyscallError): void } };
    process.dlopen(mod, p);
    mod.exports.init(SyscallError);
    loaded = mod.exports;
    return loaded;
  }
  throw new Error(`tsrun addon not found; looked in: ${tried.join(', ')} (run make)`);
}

// Unix datagram sockets, which Node lacks, through koffi (loaded on first use): the
// sd_notify protocol (NOTIFY_SOCKET) is one datagram per message. The one wait, for a
// datagram or a process's end, is a poll(2) on a koffi worker thread: nothing spins and
// the event loop (signal forwarding) keeps running meanwhile.
import { closeSync } from 'node:fs';
import { errnoText } from '../errno';
import { TsrunError } from '../errors';
import { ffi } from './libc';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_DONTWAIT = 0x40;
const EAGAIN = 11;
const POLLIN = 0x1;
const SUN_PATH_MAX = 108;
/** systemd reads at most this much of one notification; more is not a message of it. */
const MAX_DATAGRAM = 4096;

type AsyncCall = (...args: unknown[]) => void;

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  connect(fd: number, addr: Buffer, len: number): number;
  send(fd: number, data: Buffer, len: number, flags: number): number;
  recv(fd: number, data: Buffer, len: number, flags: number): number;
  pollAsync(fds: Buffer, nfds: number, timeout: number, done: (err: unknown, result: number) => void): void;
  errno(): number;
}

let libc: Libc | undefined;

function lib(): Libc {
  if (libc) return libc;
  const { koffi, libc: c } = ffi();
  const socket = c.func('socket', 'int', ['int', 'int', 'int']);
  const bind = c.func('bind', 'int', ['int', 'void *', 'uint32_t']);
  const connect = c.func('connect', 'int', ['int', 'void *', 'uint32_t']);
  const send = c.func('send', 'intptr_t', ['int', 'void *', 'size_t', 'int']);
  const recv = c.func('recv', 'intptr_t', ['int', 'void *', 'size_t', 'int']);
  const poll = c.func('poll', 'int', ['void *', 'uint64_t', 'int']);
  libc = {
    socket: (d, t, p) => socket(d, t, p) as number,
    bind: (fd, a, l) => bind(fd, a, l) as number,
    connect: (fd, a, l) => connect(fd, a, l) as number,
    send: (fd, b, l, f) => Number(send(fd, b, l, f)),
    recv: (fd, b, l, f) => Number(recv(fd, b, l, f)),
    pollAsync: (fds, n, t, done) => (poll.async as AsyncCall)(fds, n, t, done),
    errno: () => koffi.errno(),
  };
  return libc;
}

const EINVAL = 22;

/** sockaddr_un for `address` (a leading '@' names an abstract socket, as sd_notify reads
 * it), or null when it does not fit. */
function unixAddress(address: string): Buffer | null {
  const name = Buffer.from(address);
  if (name.length === 0 || name.length >= SUN_PATH_MAX) return null;
  if (name[0] === 0x40) name[0] = 0;
  const addr = Buffer.alloc(2 + name.length + (name[0] === 0 ? 0 : 1));
  addr.writeUInt16LE(AF_UNIX, 0);
  name.copy(addr, 2);
  return addr;
}

function check(result: number, what: string): number {
  if (result < 0) throw new TsrunError('ERR_TSRUN_SYSCALL', `${what}: ${errnoText(lib().errno())}`);
  return result;
}

/** A new SOCK_DGRAM unix socket (CLOEXEC). */
function datagramSocket(what: string): number {
  return check(lib().socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), `socket for ${what}`);
}

/** A datagram socket bound at `socketPath` (the caller sets the file's mode). */
export function bindDatagramSocket(socketPath: string): number {
  const fd = datagramSocket(socketPath);
  const addr = unixAddress(socketPath);
  if (!addr || lib().bind(fd, addr, addr.length) < 0) {
    const errno = addr ? lib().errno() : EINVAL;
    closeFd(fd);
    throw new TsrunError('ERR_TSRUN_SYSCALL', `listen unixgram ${socketPath}: bind: ${errnoText(errno)}`);
  }
  return fd;
}

/** A datagram socket connected to `address` (a path, or '@name' for an abstract one). */
export function connectDatagramSocket(address: string): number {
  const fd = datagramSocket(address);
  const addr = unixAddress(address);
  if (!addr || lib().connect(fd, addr, addr.length) < 0) {
    const errno = addr ? lib().errno() : EINVAL;
    closeFd(fd);
    throw new TsrunError('ERR_TSRUN_SYSCALL', `dial unixgram ${address}: connect: ${errnoText(errno)}`);
  }
  return fd;
}

/** Send one datagram on a connected socket. */
export function sendDatagram(fd: number, text: string, where: string): void {
  const data = Buffer.from(text);
  check(lib().send(fd, data, data.length, 0), `write to ${where}`);
}

/** The next datagram waiting on `fd` (never blocks), or null when none is. */
export function takeDatagram(fd: number): Buffer | null {
  const buf = Buffer.alloc(MAX_DATAGRAM);
  const n = lib().recv(fd, buf, buf.length, MSG_DONTWAIT);
  if (n < 0) {
    const errno = lib().errno();
    if (errno === EAGAIN) return null;
    throw new TsrunError('ERR_TSRUN_SYSCALL', `read notify socket: ${errnoText(errno)}`);
  }
  return buf.subarray(0, n);
}

/** Wait, without a timeout, until `fd` has a datagram or `pidfd`'s process has ended:
 * true for a datagram (which wins when both are so), false for the end. */
export function waitDatagramOrExit(fd: number, pidfd: number): Promise<boolean> {
  const fds = Buffer.alloc(16);
  fds.writeInt32LE(fd, 0);
  fds.writeInt16LE(POLLIN, 4);
  fds.writeInt32LE(pidfd, 8);
  fds.writeInt16LE(POLLIN, 12);
  return new Promise((resolve, reject) => {
    const once = (): void =>
      lib().pollAsync(fds, 2, -1, (err, result) => {
        if (err) return reject(err);
        // EINTR (a signal on the worker thread): poll again. The revents say the rest.
        if (result <= 0) return once();
        if (fds.readInt16LE(6) !== 0) return resolve(true);
        resolve(false);
      });
    once();
  });
}

function closeFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // closing is best effort
  }
}

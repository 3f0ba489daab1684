// `run` with process.terminal and no --console-socket: the runtime holds the pty master and
// proxies it, as runc does. The caller's stdin goes to the master (its end is not passed
// on: a pty has no end of file, and runc ignores it too), the master's output goes to the
// caller's stdout until the pty reports EIO (every process holding it has closed it and
// what they wrote is read). A caller's stdin that is a terminal is put in raw mode, so
// keys reach the container's line discipline untouched, and given back its modes on every
// way out. The pty takes the caller's window size, and follows it on SIGWINCH.
import { readSync } from 'node:fs';
import { ReadStream, WriteStream } from 'node:tty';
import type { Logger } from '../log/logger';
import type { Native } from '../sys/native';

export interface WindowSize {
  rows: number;
  cols: number;
}

export interface TerminalProxy {
  /** Resolves once the pty's output has all been copied (EIO or end on the master). */
  drained: Promise<void>;
  /** Stop proxying, close the master, give the caller's terminal back its modes. Idempotent. */
  close(): void;
}

/** The caller's terminal size: the first of stderr, stdout and stdin that is a terminal,
 * in runc's order (a stream may be redirected); null when none is. */
export function callerWindowSize(windowSize: (fd: number) => WindowSize | null): WindowSize | null {
  for (const fd of [2, 1, 0]) {
    const size = windowSize(fd);
    if (size) return size;
  }
  return null;
}

/** The pty's first size: the caller's terminal's, else process.consoleSize when it gives
 * both dimensions (runc's init ignores a zero one), else none (the kernel's 0x0). */
export function initialWindowSize(
  caller: WindowSize | null,
  consoleSize: { height: number; width: number } | undefined,
): WindowSize | null {
  if (caller) return caller;
  if (consoleSize && consoleSize.height > 0 && consoleSize.width > 0)
    return { rows: consoleSize.height, cols: consoleSize.width };
  return null;
}

/** Take over `master` (closed by close()) and start copying. Call before the container
 * starts, so its process sees its final window size from its first instruction. */
export function startTerminalProxy(
  addon: Native,
  master: number,
  consoleSize: { height: number; width: number } | undefined,
  logger: Logger,
): TerminalProxy {
  const sizeOfCaller = (): WindowSize | null => callerWindowSize((fd) => addon.windowSize(fd));
  // Applied to the pty as runc does: the caller's terminal adds the "\r" itself, and
  // output to a file or pipe keeps plain newlines.
  addon.clearOnlcr(master);
  const caller = sizeOfCaller();
  const size = initialWindowSize(caller, consoleSize);
  if (size) addon.setWindowSize(master, size.rows, size.cols);

  // Half-open: libuv ends a stream whose peer hung up (POLLHUP) after a short read,
  // while the pty may still hold output; the end handler drains it (drainClosedPty).
  const pty = new ReadStream(master, { allowHalfOpen: true });
  const toPty = ptyWriter(pty, master);
  const stdin = process.stdin;
  const raw = stdin.isTTY === true;
  const restore = (): void => {
    if (raw && stdin.isTTY && stdin.isRaw) stdin.setRawMode(false);
  };
  // The last resort: an exit this module did not see coming (Node resets the terminal
  // it started with too, but only for a normal exit).
  process.once('exit', restore);
  if (raw) stdin.setRawMode(true);

  const resize = (): void => {
    const now = sizeOfCaller();
    if (!now) return;
    try {
      addon.setWindowSize(master, now.rows, now.cols);
    } catch {
      // the pty is closing: nothing left to size
    }
  };
  if (caller) process.on('SIGWINCH', resize);

  let stdoutBroken = false;
  const onStdoutError = (): void => {
    // Nobody reads our stdout any more: keep draining the pty so the container never
    // blocks on a full terminal, and drop what it writes.
    stdoutBroken = true;
  };
  process.stdout.on('error', onStdoutError);
  const copyOut = (chunk: Buffer): void => {
    if (!stdoutBroken) process.stdout.write(chunk);
  };
  pty.on('data', copyOut);
  const onStdinError = (err: Error): void => logger.debug(`terminal proxy: stdin: ${err.message}`);
  stdin.on('error', onStdinError);
  stdin.pipe(toPty, { end: false });

  const drained = new Promise<void>((resolve) => {
    pty.once('end', () => {
      drainClosedPty(master, copyOut);
      resolve();
    });
    pty.once('close', resolve);
    pty.on('error', (err: NodeJS.ErrnoException) => {
      // EIO: the last holder of the pty's other side closed it; the normal end.
      if (err.code !== 'EIO') logger.warn(`terminal proxy: ${err.message}`);
      resolve();
    });
  });

  let closed = false;
  return {
    drained,
    close(): void {
      if (closed) return;
      closed = true;
      process.off('SIGWINCH', resize);
      stdin.unpipe(toPty);
      stdin.pause();
      if (toPty !== pty) toPty.destroy();
      stdin.off('error', onStdinError);
      restore();
      process.off('exit', restore);
      pty.destroy();
      process.stdout.off('error', onStdoutError);
    },
  };
}

/** Where the caller's keys go: Node's ReadStream is a duplex socket on the master. Bun's
 * only reads; there a tty.WriteStream (which never closes its fd: `pty` does) writes them,
 * synchronously: an fs write stream waits for a worker that the reads can all hold. */
function ptyWriter(pty: ReadStream, master: number): NodeJS.WritableStream & { destroy(): void } {
  const duplex = pty as ReadStream & Partial<NodeJS.WritableStream>;
  if (typeof duplex.write === 'function') return duplex as ReadStream & NodeJS.WritableStream;
  return new WriteStream(master);
}

/** The rest of a pty whose other side is closed: once it is, a read of the master returns
 * data or EIO (the kernel flushes what is in flight first), never blocks. EAGAIN (a
 * process opened the terminal again) stops the drain too. */
function drainClosedPty(master: number, copyOut: (chunk: Buffer) => void): void {
  for (;;) {
    const buf = Buffer.alloc(65536);
    let n: number;
    try {
      n = readSync(master, buf, 0, buf.length, null);
    } catch {
      return;
    }
    if (n === 0) return;
    copyOut(buf.subarray(0, n));
  }
}

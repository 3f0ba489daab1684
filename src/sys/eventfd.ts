// eventfd(2), which Node lacks, through koffi (loaded on first use): cgroup v1 reports
// memory events by signalling one.
import { readSync, writeSync } from 'node:fs';
import { errnoText } from '../errno';
import { TsrunError } from '../errors';
import { ffi } from './libc';

const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;

let libc: { eventfd(initval: number, flags: number): number; errno(): number } | undefined;

/** A new eventfd (counter 0, CLOEXEC, non-blocking: read it with takeEventfdCount). */
export function eventfd(): number {
  if (!libc) {
    const { koffi, libc: lib } = ffi();
    const call = lib.func('eventfd', 'int', ['unsigned int', 'int']);
    libc = { eventfd: (initval, flags) => call(initval, flags) as number, errno: () => koffi.errno() };
  }
  const fd = libc.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) throw new TsrunError('ERR_TSRUN_SYSCALL', `eventfd: ${errnoText(libc.errno())}`);
  return fd;
}

/** What the eventfd has counted since the last take (0 when nothing), reset to 0. */
export function takeEventfdCount(fd: number): bigint {
  const counter = Buffer.alloc(8);
  try {
    readSync(fd, counter, 0, 8, null);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return 0n;
    throw err;
  }
  return counter.readBigUInt64LE(0);
}

/** Add 1 to an eventfd's counter. */
export function signalEventfd(fd: number): void {
  writeSync(fd, new Uint8Array(new BigUint64Array([1n]).buffer));
}

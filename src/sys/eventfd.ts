// eventfd(2), which Node lacks, through koffi (loaded on first use): cgroup v1 reports
// memory events by signalling one.
import * as fs from 'node:fs';
import { errnoText } from '../errno';
import { TsrunError } from '../errors';
import { ffi } from './libc';

const EFD_CLOEXEC = 0o2000000;

let libc: { eventfd(initval: number, flags: number): number; errno(): number } | undefined;

/** A new eventfd (counter 0, CLOEXEC, blocking reads). */
export function eventfd(): number {
  if (!libc) {
    const { koffi, libc: lib } = ffi();
    const call = lib.func('eventfd', 'int', ['unsigned int', 'int']);
    libc = { eventfd: (initval, flags) => call(initval, flags) as number, errno: () => koffi.errno() };
  }
  const fd = libc.eventfd(0, EFD_CLOEXEC);
  if (fd < 0) throw new TsrunError('ERR_TSRUN_SYSCALL', `eventfd: ${errnoText(libc.errno())}`);
  return fd;
}

/** What an eventfd has counted and nobody has read yet (its fdinfo says, in hex). */
export function eventfdPending(fd: number): bigint {
  const m = /^eventfd-count:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

/** Add 1 to an eventfd's counter, which ends a read waiting on it. */
export function signalEventfd(fd: number): void {
  fs.writeSync(fd, new Uint8Array(new BigUint64Array([1n]).buffer));
}

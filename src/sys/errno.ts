// errno -> Go-style lowercase text ("no such file or directory"), as runc prints it and as
// podman's regexes expect. Node 20 has os.constants.errno but no message table.
import { constants } from 'node:os';

const messages: Record<string, string> = {
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ESRCH: 'no such process',
  EINTR: 'interrupted system call',
  EIO: 'input/output error',
  ENXIO: 'no such device or address',
  E2BIG: 'argument list too long',
  ENOEXEC: 'exec format error',
  EBADF: 'bad file descriptor',
  ECHILD: 'no child processes',
  EAGAIN: 'resource temporarily unavailable',
  ENOMEM: 'cannot allocate memory',
  EACCES: 'permission denied',
  EFAULT: 'bad address',
  EBUSY: 'device or resource busy',
  EEXIST: 'file exists',
  EXDEV: 'invalid cross-device link',
  ENODEV: 'no such device',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EINVAL: 'invalid argument',
  ENFILE: 'too many open files in system',
  EMFILE: 'too many open files',
  ENOTTY: 'inappropriate ioctl for device',
  ETXTBSY: 'text file busy',
  EFBIG: 'file too large',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EMLINK: 'too many links',
  EPIPE: 'broken pipe',
  ERANGE: 'numerical result out of range',
  ENAMETOOLONG: 'file name too long',
  ENOSYS: 'function not implemented',
  ENOTEMPTY: 'directory not empty',
  ELOOP: 'too many levels of symbolic links',
  EOPNOTSUPP: 'operation not supported',
  ECONNREFUSED: 'connection refused',
  EUSERS: 'too many users',
};

const nameByNumber = new Map<number, string>();
for (const [name, n] of Object.entries(constants.errno)) if (!nameByNumber.has(n)) nameByNumber.set(n, name);

export function errnoName(errno: number): string {
  return nameByNumber.get(errno) ?? `errno ${errno}`;
}

export function errnoText(errno: number): string {
  const name = nameByNumber.get(errno);
  return (name && messages[name]) ?? name ?? `errno ${errno}`;
}

/** Text of a Node fs error (ErrnoException) in Go style. */
export function nodeErrorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code && messages[code]) return messages[code];
  return (err as Error).message;
}

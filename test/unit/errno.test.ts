// The one errno table (src/errno.ts): Go's syscall.Errno texts, which engines match in
// runc's errors, the numbering checked against Node's, and the addon's SyscallError
// built from it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { errnoNumber, errnoText, nodeErrorText } from '../../src/errno';
import { native, SyscallError } from '../../src/sys/native';

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

t.test("the texts engines parse are Go's", async (t) => {
  const go: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EEXIST: 'file exists',
    ENOTSUP: 'operation not supported',
    EOPNOTSUPP: 'operation not supported',
    ETIMEDOUT: 'connection timed out',
    EPROTO: 'protocol error',
    EBUSY: 'device or resource busy',
    EINVAL: 'invalid argument',
    ENOSPC: 'no space left on device',
    ENOTDIR: 'not a directory',
    ELOOP: 'too many levels of symbolic links',
    EAGAIN: 'resource temporarily unavailable',
    EWOULDBLOCK: 'resource temporarily unavailable',
    ENOSYS: 'function not implemented',
    EXDEV: 'invalid cross-device link',
    EROFS: 'read-only file system',
    ESRCH: 'no such process',
  };
  for (const [name, text] of Object.entries(go)) {
    const n = errnoNumber(name);
    t.type(n, 'number', `${name} is known`);
    t.equal(errnoText(n as number), text, name);
  }
  t.equal(errnoText(2), 'no such file or directory', 'by number');
  t.equal(errnoText(95), 'operation not supported', '95: ENOTSUP and EOPNOTSUPP are one number');
  t.equal(errnoText(110), 'connection timed out');
  t.equal(errnoText(71), 'protocol error');
  t.equal(errnoText(116), 'stale NFS file handle', "ESTALE as Go's x86_64 table spells it");
});

t.test('names: canonical and aliases', async (t) => {
  t.equal(errnoNumber('ENOENT'), 2);
  t.equal(errnoNumber('EWOULDBLOCK'), errnoNumber('EAGAIN'));
  t.equal(errnoNumber('EAGAIN'), 11);
  t.equal(errnoNumber('EDEADLOCK'), 35);
  t.equal(errnoNumber('EDEADLK'), 35);
  t.equal(errnoNumber('ENOTSUP'), 95);
  t.equal(errnoNumber('EOPNOTSUPP'), 95);
  t.equal(errnoNumber('EHWPOISON'), 133);
  t.equal(errnoNumber('EOF'), undefined, 'a libuv code that is no errno');
  t.equal(errnoNumber('enoent'), undefined, 'names are upper case');
});

t.test('every number 1..133 has a text, but the two asm-generic leaves unused', async (t) => {
  for (let n = 1; n <= 132; n++) {
    if (n === 41 || n === 58) t.equal(errnoText(n), `errno ${n}`, `${n} is no errno`);
    else t.notMatch(errnoText(n), /^errno /, `${n} has a text`);
  }
  t.equal(errnoText(133), 'errno 133', "EHWPOISON: Go's x86_64 table has no text");
});

t.test('unknown numbers', async (t) => {
  t.equal(errnoText(0), 'errno 0');
  t.equal(errnoText(134), 'errno 134');
  t.equal(errnoText(4095), 'errno 4095');
  t.equal(errnoText(-1), 'errno -1');
});

t.test("the numbering agrees with Node's (node:os constants.errno)", async (t) => {
  const names = Object.entries(os.constants.errno);
  t.ok(names.length > 70, 'node has errno constants');
  for (const [name, n] of names) t.equal(errnoNumber(name), n, name);
});

t.test('nodeErrorText: Go text for an errno code, else the message', async (t) => {
  const missing = path.join(os.tmpdir(), 'tsrun-errno-no-such-file');
  const err = caught(() => fs.readFileSync(missing));
  t.equal(nodeErrorText(err), 'no such file or directory', 'a real fs error');
  const code = (code: string, message = 'node says') => Object.assign(new Error(message), { code });
  t.equal(nodeErrorText(code('ENOTSUP')), 'operation not supported');
  t.equal(nodeErrorText(code('ETIMEDOUT')), 'connection timed out');
  t.equal(nodeErrorText(code('EPROTO')), 'protocol error');
  t.equal(nodeErrorText(code('EOF', 'end of file')), 'end of file', 'not an errno name');
  t.equal(nodeErrorText(new Error('plain')), 'plain', 'no code');
});

t.test('SyscallError: "<op> <subject>: <text>" from the table', async (t) => {
  t.equal(new SyscallError('open', 2, '/x').message, 'open /x: no such file or directory');
  t.equal(new SyscallError('waitid', 10, '').message, 'waitid: no child processes', 'no subject');
  t.equal(new SyscallError('recv', 110, 'sync socket').message, 'recv sync socket: connection timed out');
  t.equal(new SyscallError('ioctl', 4000, '').message, 'ioctl: errno 4000');
});

t.test("errors thrown by the real addon carry the table's text", async (t) => {
  const addon = native();
  const missing = path.join(os.tmpdir(), 'tsrun-errno-no-such-dir');
  const open = caught(() => addon.openReadOnly(missing));
  t.ok(open instanceof SyscallError, 'a SyscallError');
  t.match(open, {
    code: 'ERR_TSRUN_SYSCALL',
    op: 'open',
    errno: 2,
    subject: missing,
    message: `open ${missing}: ${errnoText(2)}`,
  });
  t.equal((open as Error).message, `open ${missing}: no such file or directory`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-errno-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fifo = path.join(dir, 'fifo');
  addon.mkfifo(fifo, 0o600);
  const exists = caught(() => addon.mkfifo(fifo, 0o600));
  t.ok(exists instanceof SyscallError);
  t.equal((exists as Error).message, `mkfifo ${fifo}: file exists`);

  const badFd = caught(() => addon.pidfdSignal(987654, 0));
  t.match(badFd, { op: 'pidfd_send_signal', errno: 9, message: 'pidfd_send_signal: bad file descriptor' });
});

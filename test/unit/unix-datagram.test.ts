// The koffi datagram calls NOTIFY_SOCKET relies on: a path and an abstract ('@') address,
// one datagram per message, the wait that ends on a datagram or on a process's end, and
// runc's words for an address that does not fit or is not there.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { native } from '../../src/sys/native';
import {
  bindDatagramSocket,
  connectDatagramSocket,
  sendDatagram,
  takeDatagram,
  waitDatagramOrExit,
} from '../../src/sys/unix-datagram';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-dgram-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

for (const address of [path.join(dir, 'a.sock'), `@tsrun-test-dgram-${process.pid}`])
  t.test(`send and take datagrams whole, in order (${address.startsWith('@') ? 'abstract' : 'path'})`, (t) => {
    const server = bindDatagramSocket(address);
    const client = connectDatagramSocket(address);
    t.equal(takeDatagram(server), null, 'nothing yet, and no wait');
    sendDatagram(client, 'READY=1\nSTATUS=a', address);
    sendDatagram(client, 'MAINPID=1', address);
    t.equal(String(takeDatagram(server)), 'READY=1\nSTATUS=a');
    t.equal(String(takeDatagram(server)), 'MAINPID=1');
    t.equal(takeDatagram(server), null);
    fs.closeSync(client);
    fs.closeSync(server);
    t.end();
  });

t.test('waitDatagramOrExit: true for a datagram, false once the process ended', async (t) => {
  const address = path.join(dir, 'w.sock');
  const server = bindDatagramSocket(address);
  const client = connectDatagramSocket(address);
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const pidfd = native().pidfdOpen(child.pid!);
  sendDatagram(client, 'X=1', address);
  t.equal(await waitDatagramOrExit(server, pidfd), true, 'a datagram');
  takeDatagram(server);
  const exited = new Promise((r) => child.once('exit', r));
  const waited = waitDatagramOrExit(server, pidfd);
  child.kill('SIGKILL');
  t.equal(await waited, false, 'the process ended');
  await exited;
  for (const fd of [pidfd, client, server]) fs.closeSync(fd);
});

t.test("runc's words for a missing socket and an address that does not fit", (t) => {
  const missing = path.join(dir, 'missing.sock');
  t.throws(() => connectDatagramSocket(missing), {
    message: `dial unixgram ${missing}: connect: no such file or directory`,
  });
  const long = path.join(dir, 'x'.repeat(120));
  t.throws(() => bindDatagramSocket(long), { message: `listen unixgram ${long}: bind: invalid argument` });
  t.throws(() => bindDatagramSocket(path.join(dir, 'no', 'such.sock')), {
    message: /bind: no such file or directory$/,
  });
  t.end();
});

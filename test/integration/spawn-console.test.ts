// The console socket: the child makes a pty in the container's devpts, sends its master
// over the socket with SCM_RIGHTS (as runc does), and makes the pty its stdio and
// /dev/console.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { basePlan, c, describe, drive, N, readOut, requireRoot, sandbox, waitExit } from '../helpers/addon-child';
import { harness, startConsoleReceiver } from '../helpers/harness';

t.before(requireRoot);
// Checks after every test that no child it cloned is left running.
harness(t);

t.test('spawn: a console socket gets the pty master; the pty is stdio and /dev/console', async (t) => {
  const sb = sandbox(t);
  const sock = path.join(sb.top, 'console.sock');
  const received = path.join(sb.top, 'console.out');
  const receiver = await startConsoleReceiver(sock, received, t);

  const consoleSocketFd = sb.track(N.connectUnix(sock));
  const script = [
    'tty > /out/tty',
    'stat -c "%F %t:%T" /dev/console > /out/console',
    'echo hello-from-the-pty',
    'echo done > /out/done',
  ].join('\n');
  const d = await drive(sb, basePlan(sb, { consoleSocketFd, args: ['sh', '-c', script] }));
  t.equal(d.last.type, c('SyncType_Ready'), `child reached Ready (${describe(d.last)})`);
  sb.closeFd(consoleSocketFd);
  // No state dir: nothing to release, the child execs right after Ready.
  t.same(await waitExit(sb, d), { code: 0, signal: 0 }, 'container exited 0');
  t.equal(await receiver.done, 0, 'receiver saw the pty close');

  t.equal(readOut(sb, 'done').trim(), 'done', 'script ran to the end');
  t.match(readOut(sb, 'tty').trim(), /^\/dev\/pts\/\d+$/, 'stdin is a pty of the container devpts');
  t.equal(readOut(sb, 'console').trim(), 'character special file 88:0', '/dev/console is the pty (136:0)');
  const got = fs.readFileSync(received, 'utf8');
  t.match(got, /^name=\/dev\/ptmx fds=1\n/, 'master sent with SCM_RIGHTS and the name runc sends');
  t.match(got, /hello-from-the-pty/, 'container output arrives on the master');
});

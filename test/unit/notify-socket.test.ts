// NOTIFY_SOCKET's pure parts: the spec change create makes (runc's setupSpec) and what the
// host is told for a datagram of the container (runc 1.1's forwarding, quirks included).
import t from 'tap';
import type { Spec } from '../../src/config/types';
import { hostNotifySocket, readyNotification, withNotifySocket } from '../../src/container/notify-socket';
import { baseConfig } from '../fixtures/configs/base-config';

t.test('withNotifySocket: a read-only bind of the notify directory and NOTIFY_SOCKET last in env', (t) => {
  const spec: Spec = baseConfig();
  spec.process!.env = ['PATH=/bin', 'NOTIFY_SOCKET=/elsewhere'];
  const before = structuredClone(spec);
  const out = withNotifySocket(spec, '/run/tsrun/c1/notify');
  t.same(out.mounts!.slice(0, -1), spec.mounts, 'the config mounts first, as they were');
  t.same(out.mounts!.at(-1), {
    destination: '/run/notify',
    source: '/run/tsrun/c1/notify',
    options: ['bind', 'nosuid', 'noexec', 'nodev', 'ro'],
  });
  // The last value wins where the name first appears (the plan's env dedup), as in runc.
  t.same(out.process!.env, ['PATH=/bin', 'NOTIFY_SOCKET=/elsewhere', 'NOTIFY_SOCKET=/run/notify/notify.sock']);
  t.same(spec, before, 'the config itself is left as it was (exec keeps its env)');
  t.end();
});

t.test('withNotifySocket: no mounts and no process in the config', (t) => {
  const bare: Spec = { ociVersion: '1.0.2', root: { path: 'rootfs' } };
  const out = withNotifySocket(bare, '/s/c/notify');
  t.equal(out.mounts?.length, 1, 'the one mount');
  t.equal(out.process, undefined, 'no process is made up');
  t.end();
});

t.test('readyNotification: a datagram beginning with READY= is passed on, its first line then MAINPID', (t) => {
  t.same(readyNotification(Buffer.from('READY=1'), 42), ['READY=1\n', 'MAINPID=42\n']);
  t.same(readyNotification(Buffer.from('READY=1\nSTATUS=serving\n'), 7), ['READY=1\n', 'MAINPID=7\n'], 'first line');
  t.same(
    readyNotification(Buffer.from('READY=1\nMAINPID=1'), 7),
    ['READY=1\n', 'MAINPID=7\n'],
    "the container's own MAINPID is replaced",
  );
  // runc 1.1 looks at the datagram's start only: READY=0 goes, a later READY=1 line does not.
  t.same(readyNotification(Buffer.from('READY=0'), 7), ['READY=0\n', 'MAINPID=7\n'], 'READY=0 as runc');
  t.equal(readyNotification(Buffer.from('STATUS=starting\nREADY=1'), 7), null, 'READY on a later line');
  t.equal(readyNotification(Buffer.from('STATUS=starting'), 7), null, 'other messages are dropped');
  t.equal(readyNotification(Buffer.from('WATCHDOG=1'), 7), null);
  t.equal(readyNotification(Buffer.alloc(0), 7), null, 'an empty datagram');
  t.end();
});

t.test('hostNotifySocket: the runtime env value, none when unset or empty', (t) => {
  t.equal(hostNotifySocket({ NOTIFY_SOCKET: '/run/systemd/notify' }), '/run/systemd/notify');
  t.equal(hostNotifySocket({ NOTIFY_SOCKET: '@abstract' }), '@abstract');
  t.equal(hostNotifySocket({ NOTIFY_SOCKET: '' }), null);
  t.equal(hostNotifySocket({}), null);
  t.end();
});

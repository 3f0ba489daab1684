// Seccomp user notification through the real binary, with a small agent
// (helpers/seccomp-agent.py): a filter with SCMP_ACT_NOTIFY hands its listener, with the
// container process state, to linux.seccomp.listenerPath; the agent answers mkdir with an
// errno the container sees, and lets the rest continue. Both install points (with and
// without noNewPrivileges), exec, the syscalls the init itself makes after the filter,
// and the refusals (runc's rules), each failed create leaving nothing behind.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import type { Seccomp, Spec } from '../../src/config/types';
import { harness, waitFor } from '../helpers/harness';
import { type SeccompAgent, startSeccompAgent } from '../helpers/seccomp-agent';

const h = harness(t);

const ENOMEDIUM = 123;
const NR = { mkdir: 83, mkdirat: 258, uname: 63, execve: 59 };
const X86 = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];

function notifying(agentSocket: string, names: string[]): Seccomp {
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    listenerPath: agentSocket,
    listenerMetadata: 'meta-bar',
    architectures: X86,
    syscalls: [{ names, action: 'SCMP_ACT_NOTIFY' }],
  };
}

function shBundle(id: string, seccomp: Seccomp, script: string, edit?: (s: Spec) => void): string {
  return h.bundle(id, (s) => {
    s.process!.args = ['/bin/sh', '-c', script];
    s.linux!.seccomp = seccomp;
    edit?.(s);
  });
}

let sockets = 0;
const agentAt = (t: any): Promise<SeccompAgent> =>
  startSeccompAgent(path.join(h.tmp, `agent-${++sockets}.sock`), ENOMEDIUM, t);

for (const noNewPrivileges of [true, false]) {
  t.test(`run: the agent gets the state and answers, noNewPrivileges ${noNewPrivileges}`, async (t) => {
    const agent = await agentAt(t);
    const id = h.id('notify');
    const bundle = shBundle(
      id,
      notifying(agent.socket, ['mkdir', 'mkdirat', 'uname']),
      'mkdir /tmp/x; uname -s',
      (s) => {
        s.process!.noNewPrivileges = noNewPrivileges;
      },
    );
    const r = h.cli(['run', '--bundle', bundle, id]);
    t.equal(r.code, 0, `uname continued, so the script ends well: ${r.stderr}`);
    t.match(r.stderr, /mkdir.*No medium found/, "mkdir failed with the agent's errno");
    t.match(r.stdout, /Linux/, 'uname ran for real (CONTINUE)');

    const states = agent.states();
    t.equal(states.length, 1, 'one message');
    const { state: doc, fds } = states[0]!;
    t.equal(fds, 1, 'one fd attached');
    t.same(Object.keys(doc).sort(), ['fds', 'metadata', 'ociVersion', 'pid', 'state']);
    t.match(doc, { ociVersion: /^1\./, fds: ['seccompFd'], metadata: 'meta-bar' });
    t.ok(Number.isInteger(doc.pid) && doc.pid > 1, 'the host pid of the init');
    t.match(doc.state, { ociVersion: doc.ociVersion, id, status: 'creating', pid: doc.pid, bundle });
    const seen = agent.notified();
    t.ok(seen.includes(NR.mkdir) || seen.includes(NR.mkdirat), `mkdir was notified: ${seen}`);
    t.ok(seen.includes(NR.uname), 'uname was notified');
    await agent.stop();
  });
}

t.test("the init's own syscalls after the filter may be notified (runc's important-syscalls case)", async (t) => {
  for (const noNewPrivileges of [true, false]) {
    const agent = await agentAt(t);
    const id = h.id('own');
    const names = ['execve', 'openat', 'open', 'read', 'close', 'setresuid', 'capset', 'prctl'];
    const bundle = shBundle(id, notifying(agent.socket, names), 'exit 0', (s) => {
      s.process!.noNewPrivileges = noNewPrivileges;
    });
    const r = h.cli(['run', '--bundle', bundle, id]);
    t.equal(r.code, 0, `noNewPrivileges ${noNewPrivileges}: ${r.stderr}`);
    t.ok(agent.notified().includes(NR.execve), 'the execve was notified and continued');
    await agent.stop();
  }
});

t.test('exec: each exec loads the filter again and the agent gets its listener too', async (t) => {
  const agent = await agentAt(t);
  const id = h.id('exec');
  const bundle = shBundle(id, notifying(agent.socket, ['mkdir', 'mkdirat']), 'sleep 30');
  t.equal(h.cli(['run', '-d', '--bundle', bundle, id]).code, 0);
  const e = h.cli(['exec', id, '/bin/sh', '-c', 'mkdir /tmp/y']);
  t.not(e.code, 0);
  t.match(e.stderr, /No medium found/);
  const states = agent.states();
  t.equal(states.length, 2, 'one message for the init, one for the exec');
  const init = states[0]!.state;
  const exec = states[1]!.state;
  t.match(exec, { fds: ['seccompFd'], metadata: 'meta-bar', state: { id, status: 'running', pid: init.pid } });
  t.not(exec.pid, init.pid, "the exec'd process's own pid");
  t.equal(h.cli(['delete', '--force', id]).code, 0);
  await agent.stop();
});

t.test('the agent gone: notified syscalls get ENOSYS, and an exec without it fails naming listenerPath', async (t) => {
  const agent = await agentAt(t);
  const id = h.id('gone');
  const script = 'sleep 1; mkdir /tmp/z 2>/out; echo done >>/out; sleep 30';
  const bundle = shBundle(id, notifying(agent.socket, ['mkdir', 'mkdirat']), script);
  t.equal(h.cli(['run', '-d', '--bundle', bundle, id]).code, 0);
  await agent.stop();
  const out = path.join(bundle, 'rootfs', 'out');
  t.ok(await waitFor(() => fs.existsSync(out) && fs.readFileSync(out, 'utf8').includes('done'), 10_000));
  t.match(fs.readFileSync(out, 'utf8'), /Function not implemented/, 'mkdir got ENOSYS, nothing hung');
  const e = h.cli(['exec', id, '/bin/sh', '-c', 'exit 0']);
  t.not(e.code, 0, 'this exec has no agent to go to');
  t.match(e.stderr.trim(), /^[^\n]*linux\.seccomp\.listenerPath: [^\n]*$/, `one line naming the field: ${e.stderr}`);
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

/** create refused with one line naming `field`, and nothing left. */
function refused(t: any, id: string, bundle: string, field: RegExp): void {
  h.expectRefused(t, id, h.cli(['create', '--bundle', bundle, id]), field);
}

t.test('no agent at listenerPath: create fails naming it, and the container is gone', async (t) => {
  const id = h.id('noagent');
  const missing = path.join(h.tmp, 'nobody.sock');
  refused(t, id, shBundle(id, notifying(missing, ['mkdir']), 'exit 0'), /linux\.seccomp\.listenerPath: .*nobody\.sock/);
  const id2 = h.id('notsock');
  refused(t, id2, shBundle(id2, notifying(h.tmp, ['mkdir']), 'exit 0'), /linux\.seccomp\.listenerPath: /);
});

t.test("runc's rules: NOTIFY on write, as the default, or without listenerPath is refused", async (t) => {
  const sock = path.join(h.tmp, 'unused.sock');
  const id = h.id('write');
  refused(
    t,
    id,
    shBundle(id, notifying(sock, ['close', 'write']), 'exit 0'),
    /linux\.seccomp\.syscalls\[0\]\.names\[1\]: .*write/,
  );
  const id2 = h.id('default');
  const asDefault: Seccomp = { defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: sock };
  refused(t, id2, shBundle(id2, asDefault, 'exit 0'), /linux\.seccomp\.defaultAction: /);
  const id3 = h.id('nopath');
  const noPath = { ...notifying(sock, ['mkdir']), listenerPath: undefined };
  refused(t, id3, shBundle(id3, noPath, 'exit 0'), /linux\.seccomp\.listenerPath: required/);
});

t.test('a listenerPath without a notifying rule is accepted and unused (runc)', async (t) => {
  const id = h.id('unused');
  const seccomp: Seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: path.join(h.tmp, 'none.sock') };
  const r = h.cli(['run', '--bundle', shBundle(id, seccomp, 'exit 0'), id]);
  t.equal(r.code, 0, r.stderr);
});

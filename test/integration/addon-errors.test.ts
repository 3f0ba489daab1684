// What the addon throws to JavaScript: a plan it cannot read is a TypeError naming the
// field (and no child is cloned), a failed system call a SyscallError with Go-style text.
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import type { InitPlan } from '../../src/plan/types';
import { SyscallError } from '../../src/sys/native';
import { basePlan, caught, ENOENT, N, requireRoot, sandbox } from '../helpers/addon-child';
import { harness } from '../helpers/harness';

t.before(requireRoot);
// Checks after every test that no child it cloned is left running.
harness(t);

t.test('spawn: a bad plan is a TypeError naming the field, with no child', async (t) => {
  const sb = sandbox(t);
  const plan = basePlan(sb) as unknown as Record<string, unknown>;
  const bad = { ...plan, mounts: [{ ...(plan.mounts as object[])[0], destination: 42 }] };
  t.throws(() => N.spawn(bad as unknown as InitPlan), {
    name: 'TypeError',
    message: 'spawn: plan.mounts[0].destination: expected a string',
  });
  // No args is allowed (a container created without process); an empty args[0] is not.
  t.throws(() => N.spawn({ ...plan, args: [''] } as unknown as InitPlan), {
    name: 'TypeError',
    message: /plan\.args\[0\]/,
  });
  const err = caught(() => N.spawn(basePlan(sb, { fifoFd: 987654 })));
  t.ok(err instanceof SyscallError, 'an fd the plan names must be open');
  t.match(err, { op: 'spawn', errno: 9, subject: 'plan.fifoFd', message: 'spawn plan.fifoFd: bad file descriptor' });
});

t.test('syscall errors are SyscallError with Go-style text', async (t) => {
  const missing = path.join(os.tmpdir(), 'tsrun-addon-no-such-dir');
  const err = caught(() => N.openReadOnly(missing));
  t.ok(err instanceof SyscallError, 'SyscallError');
  t.match(err, {
    code: 'ERR_TSRUN_SYSCALL',
    op: 'open',
    errno: ENOENT,
    subject: missing,
    message: `open ${missing}: no such file or directory`,
  });
  const sigErr = caught(() => N.pidfdSignal(987654, 0));
  t.match(sigErr, { op: 'pidfd_send_signal', errno: 9, message: 'pidfd_send_signal: bad file descriptor' });
});

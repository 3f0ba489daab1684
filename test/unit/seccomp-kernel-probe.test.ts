// seccomp/kernel.ts: what the running kernel's seccomp(2) accepts. The answers are read
// from errnos, tested here with the syscall mocked (a fake `call` that plays a kernel),
// and against this host's kernel for what every kernel since 4.14 must answer.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { hostSeccompKernel, type SeccompCall, seccompKernel } from '../../src/seccomp/kernel';

const EFAULT = 14;
const EINVAL = 22;
const EOPNOTSUPP = 95;
const SET_MODE_FILTER = 1;
const GET_ACTION_AVAIL = 2;

/** A mocked kernel that knows `flagMask` and answers GET_ACTION_AVAIL with `actionErrno`;
 * every call is recorded. */
function fakeKernel(flagMask: number, actionErrno: (action: number) => number) {
  const calls: { op: number; flags: number; action?: number }[] = [];
  const call: SeccompCall = (op, flags, args) => {
    if (op === SET_MODE_FILTER) {
      calls.push({ op, flags });
      t.equal(args, null, 'the filter is always NULL: nothing can be installed');
      return (flags & ~flagMask) !== 0 ? EINVAL : EFAULT;
    }
    t.equal(op, GET_ACTION_AVAIL, 'the only other question asked');
    const action = new Uint32Array(args!.buffer, args!.byteOffset, 1)[0]!;
    calls.push({ op, flags, action });
    return actionErrno(action);
  };
  return { kernel: seccompKernel(call), calls };
}

t.test('a flag is accepted when the kernel reads the (NULL) program: EFAULT, not EINVAL', (t) => {
  const { kernel, calls } = fakeKernel(0b1110, () => 0);
  t.ok(kernel.acceptsFlags(1 << 1), 'known bit: EFAULT -> accepted');
  t.notOk(kernel.acceptsFlags(1 << 5), 'unknown bit: EINVAL -> refused');
  t.notOk(kernel.acceptsFlags((1 << 1) | (1 << 5)), 'one unknown bit among known ones: refused');
  kernel.acceptsFlags(1 << 1);
  t.equal(calls.filter((c) => c.flags === 1 << 1).length, 1, 'each set of bits asked once');
  t.end();
});

t.test('an action is available on 0, not on EOPNOTSUPP; its data bits are not asked', (t) => {
  const { kernel, calls } = fakeKernel(0, (action) => (action === 0x7fc00000 ? EOPNOTSUPP : 0));
  t.ok(kernel.hasAction(0x00050001), 'ERRNO with EPERM');
  t.equal(calls[0]!.action, 0x00050000, 'asked without its errno');
  t.notOk(kernel.hasAction(0x7fc00000), 'USER_NOTIF: EOPNOTSUPP');
  t.ok(kernel.hasAction(0x80000000), 'KILL_PROCESS: high bit survives');
  t.end();
});

t.test('before 4.14 (GET_ACTION_AVAIL unknown: EINVAL) only the first five actions', (t) => {
  const { kernel } = fakeKernel(0, () => EINVAL);
  for (const action of [0x00000000, 0x00030000, 0x00050000, 0x7ff00000, 0x7fff0000])
    t.ok(kernel.hasAction(action), `0x${action.toString(16)} assumed`);
  for (const action of [0x80000000, 0x7fc00000, 0x7ffc0000])
    t.notOk(kernel.hasAction(action), `0x${action.toString(16)}`);
  t.end();
});

t.test('this host: the probe tells a real flag from a bit no kernel has', (t) => {
  const kernel = hostSeccompKernel();
  t.ok(kernel.acceptsFlags(0), 'no flags');
  t.ok(kernel.acceptsFlags(1 << 1), 'LOG (4.14)');
  t.notOk(kernel.acceptsFlags(1 << 30), 'bit 30: no kernel has it');
  t.notOk(kernel.acceptsFlags(1 << 5), 'WAIT_KILLABLE_RECV alone: refused by every kernel');
  t.ok(kernel.hasAction(0x7fff0000), 'ALLOW');
  t.notOk(kernel.hasAction(0x12340000), 'an action no kernel has');
  t.equal(
    Number(/Seccomp:\s*(\d)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]),
    0,
    'and no filter was installed on the runtime',
  );
  t.end();
});

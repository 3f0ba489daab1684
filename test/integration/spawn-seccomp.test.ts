// The seccomp filter, installed by the child last, after Ready: with noNewPrivileges a
// filter the kernel refuses is reported in place of Detached, while create still listens.
import t from 'tap';
import { basePlan, c, drive, requireRoot, sandbox } from '../helpers/addon-child';
import { harness } from '../helpers/harness';

t.before(requireRoot);
// Checks after every test that no child it cloned is left running.
harness(t);

t.test(
  'spawn: with noNewPrivileges a filter the kernel refuses fails before Detached, while create listens',
  async (t) => {
    const sb = sandbox(t);
    // One instruction with an opcode the kernel does not know: seccomp(2) answers EINVAL.
    const bad = new Uint8Array(8);
    new DataView(bad.buffer).setUint16(0, 0xffff, true);
    const plan = basePlan(sb, {
      noNewPrivileges: true,
      seccomp: { filter: bad, flags: 0 },
      args: ['sh', '-c', 'true'],
    });
    let error: Error | undefined;
    try {
      await drive(sb, plan);
    } catch (err) {
      error = err as Error;
    }
    t.match(
      error?.message,
      new RegExp(
        `expected Detached, got type ${c('SyncType_Error')} step ${c('ChildStep_Seccomp')} index -1 errno 22 `,
      ),
      'the Error replaces Detached',
    );
  },
);

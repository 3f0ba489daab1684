// The fds the container gets: of a preserved range only the caller's own fds (inheritFds)
// reach execve; the fds the plan names for the child's own use are lifted above the range.
import * as fs from 'node:fs';
import t from 'tap';
import { basePlan, c, describe, drive, N, requireRoot, sandbox, TIMEOUT_MS, waitExit } from '../helpers/addon-child';
import { harness } from '../helpers/harness';

t.before(requireRoot);
// Checks after every test that no child it cloned is left running.
harness(t);

t.test(
  'spawn: every fd the plan names is lifted above the preserved range; runtime fds in it are closed',
  async (t) => {
    const sb = sandbox(t);
    // Open fds of ours, then hand the child a preserved range reaching past all of them
    // (Node's own fds fall in it too) of which only `passed` is the caller's.
    const fillers: number[] = [];
    for (let i = 0; i < 8; i++) fillers.push(sb.track(fs.openSync(sb.out, 'r')));
    const passed = fillers[0]!;
    const top = Math.max(...fillers) + 1;
    const fifoFd = sb.execFifo();
    const d = await drive(
      sb,
      basePlan(sb, { preserveFds: top - 3, inheritFds: [passed], fifoFd, args: ['sh', '-c', 'true'] }),
    );
    t.equal(d.last.type, c('SyncType_Ready'), describe(d.last));
    // What the init holds while it waits on the fifo is what reaches execve, but for the
    // fifo and the sync socket, which it closes right before.
    const held = new Map(
      fs
        .readdirSync(`/proc/${d.pid}/fd`)
        .map((e) => [Number(e), fs.readlinkSync(`/proc/${d.pid}/fd/${e}`)] as [number, string]),
    );
    t.equal(held.get(passed), sb.out, `the passed fd ${passed} is inherited`);
    t.same(
      [...held.keys()].filter((fd) => fd > 2 && fd < top && fd !== passed),
      [],
      'no other fd of the preserved range',
    );
    const above = [...held.entries()].filter(([fd]) => fd >= top);
    t.equal(above.length, 2, `above the range only the fifo and the sync socket (${JSON.stringify(above)})`);
    t.ok(above.some(([, target]) => target === sb.fifo) && above.some(([, target]) => target.startsWith('socket:')));
    t.equal(N.releaseFifo(sb.fifo, d.pidfd, TIMEOUT_MS), true);
    t.same(await waitExit(sb, d), { code: 0, signal: 0 });
  },
);

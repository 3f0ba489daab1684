// Which fds of the preserved range the caller passed (the rule of inherited-fds.ts on
// made-up fd tables, no privileges), and how socket activation widens that range.
import t from 'tap';
import { callerFds, socketActivation } from '../../src/container/inherited-fds';

t.test("Node's event-loop fds in the range are not passed; the caller's are", async (t) => {
  const open = new Map<number, string>([
    [0, '/dev/null'],
    [3, 'socket:[100]'], // the caller's (socket activation)
    [4, '/srv/data'], // the caller's file
    [5, 'anon_inode:[eventpoll]'], // Node's
    [6, 'pipe:[200]'], // Node's self-pipe: both ends here
    [7, 'pipe:[200]'],
    [8, 'anon_inode:[eventfd]'],
    [9, 'pipe:[300]'], // one end of a caller's pipe
    [12, '/tmp/state/c1'], // above the range: never considered
  ]);
  t.same(callerFds(8, open), [3, 4, 9]);
});

t.test('holes and an empty range', async (t) => {
  const open = new Map<number, string>([
    [4, '/a'],
    [7, '/b'],
  ]);
  t.same(callerFds(10, open), [4, 7], 'closed numbers are skipped');
  t.same(callerFds(0, open), [], 'no range, nothing passed');
  t.same(callerFds(2, open), [4], 'only 3..3+N-1');
});

t.test('socket activation: LISTEN_FDS widens the preserved range and tells the container', async (t) => {
  t.same(socketActivation(2, { LISTEN_FDS: '3' }), { preserveFds: 5, extraEnv: ['LISTEN_FDS=3', 'LISTEN_PID=1'] });
  t.same(socketActivation(2, {}), { preserveFds: 2, extraEnv: [] }, 'none');
  for (const bad of ['0', '-1', 'x', '1.5', ''])
    t.same(socketActivation(1, { LISTEN_FDS: bad }), { preserveFds: 1, extraEnv: [] }, `LISTEN_FDS=${bad} ignored`);
});

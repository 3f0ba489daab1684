// waitUntil, the one bounded polling loop (locks, reaping, cgroup removal, stopping).
import t from 'tap';
import { waitUntil } from '../../src/sys/sleep';

t.test('true at once: no wait', async (t) => {
  let calls = 0;
  t.ok(waitUntil(() => ++calls > 0, 1000));
  t.equal(calls, 1);
});

t.test('true on the third ask: returns true after asking three times', async (t) => {
  let calls = 0;
  t.ok(waitUntil(() => ++calls === 3, 5000));
  t.equal(calls, 3);
});

t.test('never true: false once the time is up, having asked more than once', async (t) => {
  let calls = 0;
  t.notOk(
    waitUntil(() => {
      calls++;
      return false;
    }, 30),
  );
  t.ok(calls > 1, `${calls} asks`);
});

t.test('a zero timeout still asks once', async (t) => {
  t.ok(waitUntil(() => true, 0));
  t.notOk(waitUntil(() => false, 0));
});

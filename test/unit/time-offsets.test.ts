// linux.timeOffsets -> the text the runtime writes to /proc/PID/timens_offsets.
import t from 'tap';
import { timeOffsetsText } from '../../src/plan/time-offsets';

t.test('one line per clock named, zero for what an offset leaves out', async (t) => {
  t.equal(timeOffsetsText(undefined), null);
  t.equal(timeOffsetsText({}), null);
  t.equal(timeOffsetsText({ monotonic: { secs: 5, nanosecs: 7 } }), 'monotonic 5 7\n');
  t.equal(timeOffsetsText({ boottime: { nanosecs: 3 } }), 'boottime 0 3\n');
  t.equal(
    timeOffsetsText({ boottime: { secs: -2 }, monotonic: { secs: 1000000 } }),
    'monotonic 1000000 0\nboottime -2 0\n',
  );
});

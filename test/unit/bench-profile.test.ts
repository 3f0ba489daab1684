// The profile's pure part (bench/profile.ts): step lines of --debug runs into medians per
// step, the exit share after the last step, and self time per function from CPU profiles.
import t from 'tap';
import { type CpuProfile, hotFunctions, median, parseRunLog, renderProfile, summariseRuns } from '../../bench/profile';

const line = (what: string, step: string, ms: number): string =>
  `time="2026-12-02T01:10:38.676Z" level=debug msg="${what}: ${step} at ${ms} ms of uptime"`;

t.test('a run log: the step lines, numbers in steps made N, and the wall time', async (t) => {
  const log = [
    line('create c1', 'dispatched', 5.2),
    'time="x" level=warning msg="something else"',
    line('create c1', 'child 6634 spawned', 9.5),
    line('create', 'done', 12),
    'wall 15.25',
  ].join('\n');
  t.same(parseRunLog(log), {
    steps: [
      { label: 'dispatched', ms: 5.2 },
      { label: 'child N spawned', ms: 9.5 },
      { label: 'done', ms: 12 },
    ],
    wall: 15.25,
  });
  t.same(parseRunLog('no steps here\n'), { steps: [], wall: undefined });
});

t.test('medians: odd, even, none', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 2, 3]), 2.5);
  t.equal(median([]), undefined);
});

t.test('summary: each step at its median, its median gap, then exit and wall', async (t) => {
  const run = (a: number, b: number, c: number, wall: number) =>
    parseRunLog([line('x', 'dispatched', a), line('x', 'middle', b), line('x', 'done', c), `wall ${wall}`].join('\n'));
  const runs = [run(5, 7, 9, 12), run(6, 9, 10, 14), run(5, 6, 8, 11)];
  // A run that lacks a step still counts for the others.
  runs.push(parseRunLog([line('x', 'dispatched', 5), line('x', 'done', 9), 'wall 13'].join('\n')));
  const rows = summariseRuns(runs);
  t.same(
    rows.map((r) => [r.label, r.at, r.delta, r.runs]),
    [
      ['dispatched (engine start, bundle load)', 5, 5, 4],
      ['middle', 7, 2, 3],
      ['done', 9, 2, 4],
      ["outside the engine's clock: exec, its early start, exit", 12.5, 3.5, 4],
      ['wall', 12.5, 12.5, 4],
    ],
  );
  t.same(summariseRuns([]), []);
  const text = renderProfile([{ engine: 'bun', command: 'state', rows, hot: [], profiles: 0 }]);
  t.match(text, /### `state` on bun/);
  t.match(text, /\| middle \| 7\.0 \| 2\.0 \| 3 \|/);
});

t.test('self time per function, summed over profiles, highest first', async (t) => {
  const frame = (functionName: string, url: string, lineNumber: number) => ({ functionName, url, lineNumber });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', '', -1) },
      { id: 2, callFrame: frame('readState', 'file:///x/dist/tsrun.cjs', 99) },
      { id: 3, callFrame: frame('', 'node:fs', 0) },
    ],
    samples: [2, 3, 2, 1],
    timeDeltas: [100, 250, 300, 50],
  };
  const hot = hotFunctions([profile, profile], 2);
  t.same(hot, [
    { name: 'readState tsrun.cjs:100', self: 0.8 },
    { name: '(anonymous) node:fs:1', self: 0.5 },
  ]);
  t.match(
    renderProfile([{ engine: 'node', command: 'kill', rows: [], hot, profiles: 2 }]),
    /readState tsrun\.cjs:100 0\.40 ms/,
  );
});

// The bench's pure part: a metric's rows from a hyperfine JSON export (ratios to runc and to
// each runtime's floor, failures, runs that exited non-zero), peak RSS samples, the Markdown
// table, and the README splice between the bench markers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { END, START, spliceSummary } from '../../bench/readme';
import { formatValue, METRICS, metricRows, parseFailures, renderTable, rssResults } from '../../bench/table';

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'bench', 'run.json'), 'utf8'));
const run = METRICS.find((m) => m.id === 'run');
const rss = METRICS.find((m) => m.id === 'rss-run');
if (!run || !rss) throw new Error('the run and rss-run metrics exist');

t.test('rows of a hyperfine export: ratios to runc and to the floor of each runtime', async (t) => {
  const rows = metricRows(run, fixture.results);
  t.same(
    rows.map((r) => [r.runtime, r.mean, r.min, r.runc, r.floor]),
    [
      ['tsrun (node)', '80.0 ms', '75.0 ms', '2.00x', '3.20x'],
      ['runc', '40.0 ms', '38.0 ms', '1.00x', '20.00x'],
      ['crun', '10.0 ms', '9.0 ms', '0.25x', '5.00x'],
      ['node -e 0', '25.0 ms', '24.0 ms', '0.63x', '-'],
      ['/bin/true', '2.0 ms', '1.9 ms', '0.05x', '-'],
    ],
  );
  t.equal(rows[0]?.notes, '1/3 runs exited non-zero');
  t.equal(rows[1]?.notes, '');
});

t.test('without runc or a floor in the run, those ratios are "-"', async (t) => {
  const rows = metricRows(
    run,
    fixture.results.filter((r: { command: string }) => r.command === 'tsrun (node)'),
  );
  t.same([rows[0]?.runc, rows[0]?.floor], ['-', '-']);
});

t.test('failures of the parallel creates go into the notes', async (t) => {
  const failures = parseFailures('create-50-parallel\ttsrun (node)\t2\t200\ncreate-50-parallel\trunc\t0\t200\n');
  const par = METRICS.find((m) => m.id === 'create-50-parallel');
  if (!par) throw new Error('the parallel metric exists');
  const rows = metricRows(par, fixture.results, failures);
  t.equal(rows[0]?.notes, '2/200 failed; 1/3 runs exited non-zero');
  t.equal(rows[1]?.notes, '0/200 failed');
  t.equal(rows[3]?.notes, '');
});

t.test('peak RSS samples: mean and min per name, in kB, shown in MB', async (t) => {
  const results = rssResults('tsrun (node)\t51200\ntsrun (node)\t50176\nrunc\t10240\nnode -e 0\tnot a number\n');
  t.same(results, [
    { command: 'tsrun (node)', mean: 50688, min: 50176 },
    { command: 'runc', mean: 10240, min: 10240 },
  ]);
  const rows = metricRows(rss, results);
  t.same([rows[0]?.mean, rows[0]?.min, rows[0]?.runc], ['49.5 MB', '49.0 MB', '4.95x']);
});

t.test('values: ms under a second, else s', async (t) => {
  t.equal(formatValue(0.0123, 's'), '12.3 ms');
  t.equal(formatValue(3.344, 's'), '3.34 s');
});

t.test('the table names each metric on its first row only', async (t) => {
  const lines = renderTable(metricRows(run, fixture.results.slice(0, 2))).split('\n');
  t.equal(lines.length, 4);
  t.equal(lines[2], '| `run /bin/true` | tsrun (node) | 80.0 ms | 75.0 ms | 2.00x | - | 1/3 runs exited non-zero |');
  t.equal(lines[3], '|  | runc | 40.0 ms | 38.0 ms | 1.00x | - |  |');
});

t.test('README splice: replaces what lies between the markers, keeps the rest', async (t) => {
  const readme = `# x\n\ntext\n\n${START}\nold table\n${END}\n\nmore\n`;
  const out = spliceSummary(readme, '| new |\n');
  t.equal(out, `# x\n\ntext\n\n${START}\n| new |\n${END}\n\nmore\n`);
  t.equal(spliceSummary(out, '| new |'), out, 'splicing again changes nothing');
  t.throws(() => spliceSummary('# no markers\n', 'x'), /markers/);
  t.throws(() => spliceSummary(`${END}\n${START}\n`, 'x'), /markers/);
});

// node bench/ratios.mjs bench.json: ratio table from hyperfine's JSON export.
// Command names are "<runtime>: <scenario>" plus "node -e 0" (see bench/run.sh).
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/ratios.mjs HYPERFINE.json');
  process.exit(2);
}
const { results } = JSON.parse(readFileSync(file, 'utf8'));
const mean = new Map(results.map((r) => [r.command, r]));
const node = mean.get('node -e 0');
const scenarios = [...new Set(results.map((r) => r.command.split(': ')[1]).filter(Boolean))];
const ms = (r) => (r ? `${(r.mean * 1000).toFixed(1)} ± ${(r.stddev * 1000).toFixed(1)}` : '-');
const ratio = (a, b) => (a && b ? `${(a.mean / b.mean).toFixed(2)}x` : '-');

const rows = [['scenario', 'tsrun ms', 'runc ms', 'crun ms', 'tsrun/runc', 'tsrun/crun', 'tsrun/node', 'runc/crun']];
for (const s of scenarios) {
  const [t, r, c] = ['tsrun', 'runc', 'crun'].map((rt) => mean.get(`${rt}: ${s}`));
  rows.push([s, ms(t), ms(r), ms(c), ratio(t, r), ratio(t, c), ratio(t, node), ratio(r, c)]);
}
rows.push(['node -e 0', '', '', '', '', '', node ? `${(node.mean * 1000).toFixed(1)} ms` : '-', '']);
const w = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
const line = (row) => `| ${row.map((c, i) => String(c).padEnd(w[i])).join(' | ')} |`;
console.log(line(rows[0]));
console.log(`|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`);
for (const row of rows.slice(1)) console.log(line(row));
if (!scenarios.some((s) => mean.has(`tsrun: ${s}`)))
  console.log('\n(tsrun rows skipped: bin/tsrun did not work when the benchmark ran)');

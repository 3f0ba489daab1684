// The bench's summary, computed from its raw results and nothing else: one hyperfine JSON
// export per metric (every figure of a metric comes from one hyperfine run), peak RSS samples,
// and the failure counts of the parallel creates. Pure: bench/main.ts reads the files.

/** A command of a hyperfine JSON export (`command` is the name given with -n). */
export interface HyperfineResult {
  command: string;
  mean: number;
  min: number;
  exit_codes?: number[];
}

export interface Metric {
  /** The file stem of its results: ID.json (hyperfine) or ID.tsv (peak RSS samples). */
  id: string;
  title: string;
  unit: 's' | 'kB';
}

/** In the table's order. */
export const METRICS: Metric[] = [
  { id: 'run', title: '`run /bin/true`', unit: 's' },
  { id: 'cycle', title: '`create && start && delete -f`', unit: 's' },
  { id: 'state', title: '`state`', unit: 's' },
  { id: 'kill', title: '`kill KILL` of a created container', unit: 's' },
  { id: 'list', title: '`list`, 1000 containers', unit: 's' },
  { id: 'create-500-mounts', title: '`create`, 500 bind mounts', unit: 's' },
  { id: 'run-100', title: '100 sequential `run /bin/true`', unit: 's' },
  { id: 'create-50-parallel', title: '50 parallel `create`, one root', unit: 's' },
  { id: 'podman', title: '`podman run --rm IMAGE true`', unit: 's' },
  { id: 'ctr', title: '`ctr run --rm IMAGE true`', unit: 's' },
  { id: 'rss-create', title: 'peak RSS, `create`', unit: 'kB' },
  { id: 'rss-run', title: 'peak RSS, `run /bin/true`', unit: 'kB' },
];

/** Each runtime's floor: the engine it starts on, doing nothing. Floors are rows of their own. */
const FLOOR_OF: Record<string, string> = {
  'tsrun (node)': 'node -e 0',
  'tsrun (bun)': 'bun -e 0',
  runc: '/bin/true',
  crun: '/bin/true',
};

export interface Row {
  metric: string;
  runtime: string;
  mean: string;
  min: string;
  runc: string;
  floor: string;
  notes: string;
}

/** Parallel-create failures: metric id -> command name -> failed of total. */
export type Failures = Record<string, Record<string, { failed: number; total: number }>>;

export function formatValue(value: number, unit: Metric['unit']): string {
  if (unit === 'kB') return `${(value / 1024).toFixed(1)} MB`;
  return value < 1 ? `${(value * 1000).toFixed(1)} ms` : `${value.toFixed(2)} s`;
}

function ratio(a: HyperfineResult, b: HyperfineResult | undefined): string {
  return b && b.mean > 0 ? `${(a.mean / b.mean).toFixed(2)}x` : '-';
}

/** The rows of one metric, in the order hyperfine ran the commands. */
export function metricRows(metric: Metric, results: HyperfineResult[], failures: Failures = {}): Row[] {
  const byName = new Map(results.map((r) => [r.command, r]));
  const runc = byName.get('runc');
  return results.map((r) => {
    const floorName = FLOOR_OF[r.command];
    const notes: string[] = [];
    const failed = failures[metric.id]?.[r.command];
    if (failed) notes.push(`${failed.failed}/${failed.total} failed`);
    const nonzero = (r.exit_codes ?? []).filter((c) => c !== 0).length;
    if (nonzero > 0) notes.push(`${nonzero}/${r.exit_codes?.length} runs exited non-zero`);
    return {
      metric: metric.title,
      runtime: r.command,
      mean: formatValue(r.mean, metric.unit),
      min: formatValue(r.min, metric.unit),
      runc: r === runc ? '1.00x' : ratio(r, runc),
      floor: floorName ? ratio(r, byName.get(floorName)) : '-',
      notes: notes.join('; '),
    };
  });
}

/** Peak RSS samples (`name<TAB>kB` lines, several per name) as results: mean and min in kB. */
export function rssResults(tsv: string): HyperfineResult[] {
  const samples = new Map<string, number[]>();
  for (const line of tsv.split('\n')) {
    const [name, kb] = line.split('\t');
    if (!name || !kb || !Number.isFinite(Number(kb))) continue;
    samples.set(name, [...(samples.get(name) ?? []), Number(kb)]);
  }
  return [...samples].map(([command, v]) => ({
    command,
    mean: v.reduce((a, b) => a + b, 0) / v.length,
    min: Math.min(...v),
  }));
}

/** `metric<TAB>name<TAB>failed<TAB>total` lines. */
export function parseFailures(tsv: string): Failures {
  const out: Failures = {};
  for (const line of tsv.split('\n')) {
    const [metric, name, failed, total] = line.split('\t');
    if (!metric || !name || failed === undefined || total === undefined) continue;
    out[metric] = { ...out[metric], [name]: { failed: Number(failed), total: Number(total) } };
  }
  return out;
}

/** The Markdown table; a metric's title is written on its first row only. */
export function renderTable(rows: Row[]): string {
  const lines = [
    '| metric | runtime | mean | min | vs runc | vs floor | notes |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  let last = '';
  for (const r of rows) {
    const metric = r.metric === last ? '' : r.metric;
    last = r.metric;
    lines.push(`| ${metric} | ${r.runtime} | ${r.mean} | ${r.min} | ${r.runc} | ${r.floor} | ${r.notes} |`);
  }
  return lines.join('\n');
}

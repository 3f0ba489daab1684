// The profile's summary (bench/profile.sh, `make profile`): where each command's time goes on
// each engine. Inputs, per engine and command, one log per run: the command's --debug stderr,
// whose step lines (src/log/trace.ts) say "<what>: <step> at <N> ms of uptime", then the
// line "wall <N>" (ms, taken by the shell around the command); and V8/JSC CPU profiles
// (.cpuprofile, --cpu-prof) of runs without --debug. Pure: bench/main.ts reads the files.

interface Step {
  /** The step's words with numbers (pids, counts) replaced by N: one label across runs. */
  label: string;
  ms: number;
}

export interface RunLog {
  steps: Step[];
  wall: number | undefined;
}

const STEP_LINE = /msg="[^":]*: ([^"]+) at ([0-9.]+) ms of uptime"/;

export function parseRunLog(text: string): RunLog {
  const steps: Step[] = [];
  let wall: number | undefined;
  for (const line of text.split('\n')) {
    const step = STEP_LINE.exec(line);
    if (step) steps.push({ label: step[1]!.replace(/\b[0-9]+\b/g, 'N'), ms: Number(step[2]) });
    const w = /^wall ([0-9.]+)$/.exec(line);
    if (w) wall = Number(w[1]);
  }
  return { steps, wall };
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface StepRow {
  label: string;
  /** Median uptime at the step, ms. */
  at: number;
  /** Median of the time since the step before (per run, then the median), ms. */
  delta: number;
  runs: number;
}

/** Each step's median uptime and its median share, in the order of the run with most steps;
 * then the wall time after the last step (exec, the engine's start before its clock, its exit) and the wall time. A step some runs lack counts where it is. */
export function summariseRuns(runs: RunLog[]): StepRow[] {
  const longest = runs.reduce<RunLog | undefined>((a, r) => (!a || r.steps.length > a.steps.length ? r : a), undefined);
  if (!longest) return [];
  const rows: StepRow[] = [];
  longest.steps.forEach(({ label }, i) => {
    const at: number[] = [];
    const delta: number[] = [];
    for (const run of runs) {
      const k = run.steps.findIndex((s) => s.label === label);
      if (k < 0) continue;
      at.push(run.steps[k]!.ms);
      delta.push(run.steps[k]!.ms - (k > 0 ? run.steps[k - 1]!.ms : 0));
    }
    if (at.length > 0)
      rows.push({
        label: i === 0 ? `${label} (engine start, bundle load)` : label,
        at: median(at)!,
        delta: median(delta)!,
        runs: at.length,
      });
  });
  const walls = runs.filter((r) => r.wall !== undefined && r.steps.length > 0);
  if (walls.length > 0) {
    const exits = walls.map((r) => r.wall! - r.steps.at(-1)!.ms);
    const wall = median(walls.map((r) => r.wall!))!;
    rows.push({
      label: "outside the engine's clock: exec, its early start, exit",
      at: wall,
      delta: median(exits)!,
      runs: walls.length,
    });
    rows.push({ label: 'wall', at: wall, delta: wall, runs: walls.length });
  }
  return rows;
}

/** The parts of a .cpuprofile this reads (V8's and Bun's share the shape). */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface HotFunction {
  name: string;
  /** Self time, ms, summed over the profiles given. */
  self: number;
}

function frameName(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const file = frame.url.replace(/^.*[\\/]/, '');
  const name = frame.functionName || '(anonymous)';
  return file ? `${name} ${file}:${frame.lineNumber + 1}` : name;
}

/** Self time per function over several profiles, highest first: each sample is charged its
 * time delta to the function it landed in. */
export function hotFunctions(profiles: CpuProfile[], top: number): HotFunction[] {
  const self = new Map<string, number>();
  for (const p of profiles) {
    const names = new Map(p.nodes.map((n) => [n.id, frameName(n.callFrame)]));
    const samples = p.samples ?? [];
    const deltas = p.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      const name = names.get(samples[i]!) ?? '?';
      self.set(name, (self.get(name) ?? 0) + (deltas[i] ?? 0) / 1000);
    }
  }
  return [...self.entries()]
    .map(([name, ms]) => ({ name, self: ms }))
    .sort((a, b) => b.self - a.self)
    .slice(0, top);
}

export interface CommandProfile {
  engine: string;
  command: string;
  rows: StepRow[];
  hot: HotFunction[];
  /** How many profiles `hot` sums. */
  profiles: number;
}

const ms = (n: number): string => n.toFixed(1);

export function renderProfile(commands: CommandProfile[]): string {
  const out: string[] = [];
  for (const c of commands) {
    out.push(`### \`${c.command}\` on ${c.engine}`, '');
    out.push('| step | at (ms of uptime) | since the step before (ms) | runs |', '| --- | ---: | ---: | ---: |');
    for (const r of c.rows) out.push(`| ${r.label} | ${ms(r.at)} | ${ms(r.delta)} | ${r.runs} |`);
    if (c.hot.length > 0) {
      const per = c.profiles > 0 ? c.profiles : 1;
      out.push(
        '',
        `Self time, per run (mean of ${c.profiles} CPU profiles): ${c.hot.map((h) => `${h.name} ${(h.self / per).toFixed(2)} ms`).join('; ')}.`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

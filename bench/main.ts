// The bench's TypeScript half, bundled by `make bench` to build/bench/bench.cjs (two levels
// below the repository, where test/helpers/harness.ts finds the repository from __dirname)
// and called by bench/run.sh:
//   bundle BASE DIR --rootfs R --cgroup P --args JSON [--resources JSON] [--binds N --bind-source S] [--count N]
//   list-root ROOT ID COUNT                ROOT/ID copied until ROOT holds COUNT containers
//   engines OUT RUNS WARMUP NAME=PATH...   podman and ctr rows (bench/engines.ts)
//   summary DIR MD                         the table of DIR's results, written to MD and printed
//   readme MD README                       MD spliced into README between the bench markers
//   profile DIR MD                         bench/profile.sh's logs and CPU profiles: MD's tables
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeBundles } from './bundles';
import { engineMetrics } from './engines';
import { fillListRoot } from './list-root';
import {
  type CommandProfile,
  type CpuProfile,
  hotFunctions,
  parseRunLog,
  renderProfile,
  summariseRuns,
} from './profile';
import { spliceSummary } from './readme';
import { type HyperfineResult, METRICS, metricRows, parseFailures, renderTable, rssResults } from './table';

function readIf(file: string): string | null {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
}

/** DIR's about.md (how and where it ran), then `body`. */
function withAbout(dir: string, body: string): string {
  const about = readIf(path.join(dir, 'about.md'));
  return `${about ? `${about.trim()}\n\n` : ''}${body}`;
}

/** The summary of a results directory: about.md, then the table. */
function summary(dir: string): string {
  const failures = parseFailures(readIf(path.join(dir, 'failures.tsv')) ?? '');
  const rows = METRICS.flatMap((m) => {
    const json = readIf(path.join(dir, `${m.id}.json`));
    const tsv = readIf(path.join(dir, `${m.id}.tsv`));
    const results: HyperfineResult[] = json ? JSON.parse(json).results : tsv ? rssResults(tsv) : [];
    return metricRows(m, results, failures);
  });
  return withAbout(dir, `${renderTable(rows)}\n`);
}

/** bench/profile.sh's order: a container's life. */
const PROFILED = ['run', 'create', 'state', 'start', 'kill', 'delete'];

/** DIR/ENGINE/COMMAND.N.log (--debug stderr and "wall N"), DIR/ENGINE/cpu/COMMAND/*.cpuprofile. */
function profileSummary(dir: string): string {
  const commands: CommandProfile[] = [];
  const engines = fs
    .readdirSync(dir)
    .filter((e) => fs.statSync(path.join(dir, e)).isDirectory())
    .sort();
  for (const command of PROFILED) {
    for (const engine of engines) {
      const at = path.join(dir, engine);
      const logs = fs.readdirSync(at).filter((f) => f.startsWith(`${command}.`) && f.endsWith('.log'));
      if (logs.length === 0) continue;
      const runs = logs.map((f) => parseRunLog(fs.readFileSync(path.join(at, f), 'utf8')));
      const cpu = path.join(at, 'cpu', command);
      const files = fs.existsSync(cpu) ? fs.readdirSync(cpu).filter((f) => f.endsWith('.cpuprofile')) : [];
      const profiles = files.map((f) => JSON.parse(fs.readFileSync(path.join(cpu, f), 'utf8')) as CpuProfile);
      commands.push({
        engine,
        command,
        rows: summariseRuns(runs),
        hot: hotFunctions(profiles, 8),
        profiles: profiles.length,
      });
    }
  }
  return withAbout(dir, renderProfile(commands));
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'bundle': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          rootfs: { type: 'string' },
          cgroup: { type: 'string' },
          args: { type: 'string' },
          resources: { type: 'string' },
          binds: { type: 'string' },
          'bind-source': { type: 'string' },
          count: { type: 'string' },
        },
      });
      const [base, dir] = positionals;
      if (!base || !dir || !values.rootfs || !values.cgroup || !values.args)
        throw new Error('bundle: missing arguments');
      const binds = values.binds ? { count: Number(values.binds), source: values['bind-source'] ?? '/tmp' } : undefined;
      writeBundles(
        base,
        dir,
        {
          rootfs: values.rootfs,
          cgroupsPath: values.cgroup,
          args: JSON.parse(values.args),
          resources: values.resources ? JSON.parse(values.resources) : undefined,
          binds,
        },
        values.count ? Number(values.count) : undefined,
      );
      return 0;
    }
    case 'list-root': {
      const [root, id, count] = rest;
      if (!root || !id || !count) throw new Error('list-root: ROOT ID COUNT');
      fillListRoot(root, id, Number(count));
      return 0;
    }
    case 'engines': {
      const [out, runs, warmup, ...pairs] = rest;
      if (!out || !runs || !warmup) throw new Error('engines: OUT RUNS WARMUP NAME=PATH...');
      const runtimes = pairs.map((p) => {
        const at = p.lastIndexOf('=');
        return { name: p.slice(0, at), path: p.slice(at + 1) };
      });
      return engineMetrics(out, { runs: Number(runs), warmup: Number(warmup) }, runtimes);
    }
    case 'summary': {
      const [dir, md] = rest;
      if (!dir || !md) throw new Error('summary: DIR MD');
      const text = summary(dir);
      fs.writeFileSync(md, text);
      process.stdout.write(text);
      return 0;
    }
    case 'readme': {
      const [md, readme] = rest;
      if (!md || !readme) throw new Error('readme: MD README');
      const name = path.basename(md);
      const text = `The newest \`make bench\` (\`bench/results/${name}\` and the hyperfine exports, kept out of git):\n\n${fs.readFileSync(md, 'utf8')}`;
      fs.writeFileSync(readme, spliceSummary(fs.readFileSync(readme, 'utf8'), text));
      return 0;
    }
    case 'profile': {
      const [dir, md] = rest;
      if (!dir || !md) throw new Error('profile: DIR MD');
      const text = profileSummary(dir);
      fs.writeFileSync(md, text);
      process.stdout.write(text);
      return 0;
    }
    default:
      console.error('usage: bench.cjs bundle|list-root|engines|summary|readme|profile ...');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`bench: ${(e as Error).message}`);
    process.exit(1);
  },
);

// The OCI validation suite against one runtime: each file run in isolation (run-file.ts),
// its outcome read (outcome.ts), what it left removed (cleanup.ts), one file at a time (the
// suite uses fixed cgroup names). Logs go to <repo>/build/oci-validation/<runtime name>/:
// NAME.stdout, NAME.stderr, NAME.cleanup (what was found and removed), results.json.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanupAfterFile, listContainers } from './cleanup';
import { type FileResult, outcome } from './outcome';
import { runFile } from './run-file';
import { buildSuite } from './suite';

export interface SuiteOpts {
  repo: string;
  /** absolute path of the runtime binary */
  runtime: string;
  /** only these files (default: all) */
  names?: string[];
  /** per-file timeout (default 120 s) */
  timeoutMs?: number;
  /** run a file a second time when this says its result looks disturbed */
  retry?: (r: FileResult) => boolean;
  /** called after each file, with what cleanup found and whether this was a rerun */
  onResult?: (r: FileResult, cleanup: string[], rerun: boolean) => void;
  log?: (line: string) => void;
}

export interface SuiteRun {
  results: FileResult[];
  /** the files the suite has (all of them, also when `names` chose fewer) */
  allNames: string[];
  wallMs: number;
  logDir: string;
}

/** The directory a runtime's logs go to. */
function logDirFor(repo: string, runtime: string): string {
  return path.join(repo, 'build', 'oci-validation', path.basename(runtime));
}

async function runOne(suiteDir: string, name: string, o: SuiteOpts, logDir: string) {
  const before = listContainers(o.runtime);
  const raw = await runFile({ suiteDir, name, runtime: o.runtime, timeoutMs: o.timeoutMs ?? 120000, logDir });
  const result = outcome(raw);
  const notes = cleanupAfterFile(o.runtime, before, raw.tmpdir, raw.pgid);
  fs.writeFileSync(path.join(logDir, `${name}.cleanup`), notes.map((n) => `${n}\n`).join(''));
  return { result, notes };
}

export async function runSuite(o: SuiteOpts): Promise<SuiteRun> {
  const started = Date.now();
  const suite = buildSuite(o.repo, o.log);
  const unknown = (o.names ?? []).filter((n) => !suite.names.includes(n));
  if (unknown.length > 0) throw new Error(`no such validation file: ${unknown.join(', ')}`);
  const logDir = logDirFor(o.repo, o.runtime);
  fs.mkdirSync(logDir, { recursive: true });
  const results: FileResult[] = [];
  for (const name of o.names ?? suite.names) {
    let { result, notes } = await runOne(suite.dir, name, o, logDir);
    o.onResult?.(result, notes, false);
    if (o.retry?.(result)) {
      ({ result, notes } = await runOne(suite.dir, name, o, logDir));
      o.onResult?.(result, notes, true);
    }
    results.push(result);
  }
  const run: SuiteRun = { results, allNames: suite.names, wallMs: Date.now() - started, logDir };
  fs.writeFileSync(path.join(logDir, 'results.json'), `${JSON.stringify({ runtime: o.runtime, ...run }, null, 2)}\n`);
  return run;
}

// A validation test file's outcome from its output: PASS, FAIL or SKIP, ok/total
// assertions and, when it is not all-ok, why (one line).
//
// Most files print TAP: all-ok when every TAP line is `ok` (SKIPs included), the plan is
// met and the file exited 0. Two kinds print no assertions (read from the suite's source):
//  - lifecycle files (hooks, prestart, poststart, poststop and their _fail variants) print
//    plan 1..0 and, only on failure, a YAML block with an "error" key (hooks prints one in
//    every branch); they count as one assertion.
//  - refusal files (process_capabilities_fail, process_rlimits_fail) succeed when `create`
//    refuses the config: RuntimeInsideValidate prints "failed to create the container" to
//    stderr and the file exits 0 with no TAP; when the runtime accepts the config, runtimetest's
//    TAP is printed and util.Fatal exits 1. One assertion.
import type { RawRun } from './run-file';

type Status = 'PASS' | 'FAIL' | 'SKIP';

export interface FileResult {
  name: string;
  status: Status;
  ok: number;
  total: number;
  /** why it is not all-ok ('' when it is) */
  why: string;
  wallMs: number;
}

type Kind = 'tap' | 'lifecycle' | 'refusal';

const KINDS: Record<string, Kind> = {
  hooks: 'lifecycle',
  prestart: 'lifecycle',
  prestart_fail: 'lifecycle',
  poststart: 'lifecycle',
  poststart_fail: 'lifecycle',
  poststop: 'lifecycle',
  poststop_fail: 'lifecycle',
  process_capabilities_fail: 'refusal',
  process_rlimits_fail: 'refusal',
};

/** True for PASS and SKIP: every assertion ok. */
export function allOk(r: Pick<FileResult, 'status'>): boolean {
  return r.status !== 'FAIL';
}

interface Tap {
  plan: number | undefined;
  lines: { ok: boolean; skip: boolean; text: string }[];
  /** the "error" values of the YAML diagnostic blocks */
  errors: string[];
}

/** The TAP in a file's stdout: plan, test lines, and "error" values of YAML blocks. */
export function parseTap(stdout: string): Tap {
  const tap: Tap = { plan: undefined, lines: [], errors: [] };
  let yaml: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if (yaml) {
      if (/^\s+\.\.\.\s*$/.test(line)) {
        tap.errors.push(...yamlErrors(yaml.join('\n')));
        yaml = undefined;
      } else yaml.push(line);
      continue;
    }
    if (/^\s+---\s*$/.test(line)) {
      yaml = [];
      continue;
    }
    const plan = /^1\.\.(\d+)/.exec(line);
    if (plan) {
      tap.plan ??= Number(plan[1]);
      continue;
    }
    const m = /^(not )?ok\b\s*(?:\d+)?\s*(?:- )?(.*)$/.exec(line);
    if (m) tap.lines.push({ ok: !m[1], skip: /#\s*skip\b/i.test(m[2] ?? ''), text: (m[2] ?? '').trim() });
  }
  return tap;
}

/** The suite writes its YAML blocks as JSON objects; an "error" key means a failure (with the
 * runtime's stderr, when the block has one, after it). */
function yamlErrors(block: string): string[] {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(block) as Record<string, unknown>;
  } catch {
    return /"error":/.test(block) ? ['(unreadable diagnostic block)'] : [];
  }
  if (typeof v.error !== 'string') return [];
  const stderr = typeof v.stderr === 'string' ? firstLine(v.stderr) : '';
  return [stderr ? `${firstLine(v.error)}: ${stderr}` : v.error];
}

function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  );
}

/** The first line of stderr; after the suite's "failed to create the container" (and the
 * like), the runtime's own first line too. */
function stderrGist(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const [first = '', second] = lines;
  return /^failed to \w+ the container$/.test(first) && second ? `${first}: ${second}` : first;
}

function exitText(run: Pick<RawRun, 'code' | 'signal' | 'timedOut'>): string {
  if (run.timedOut) return 'timed out';
  if (run.signal) return `killed by ${run.signal}`;
  return `exit ${run.code}`;
}

/** Reads one file's outcome from its raw run. */
export function outcome(run: RawRun): FileResult {
  const kind = KINDS[run.name] ?? 'tap';
  const base = { name: run.name, wallMs: run.wallMs };
  const tap = parseTap(run.stdout);
  const exitedOk = run.code === 0 && !run.timedOut;

  if (kind === 'lifecycle') {
    const ok = exitedOk && tap.plan === 0 && tap.lines.length === 0 && tap.errors.length === 0;
    const why = ok
      ? ''
      : firstLine(tap.errors[0] ?? '') ||
        (exitedOk ? 'no TAP plan 1..0' : `${exitText(run)}: ${stderrGist(run.stderr)}`);
    return { ...base, status: ok ? 'PASS' : 'FAIL', ok: ok ? 1 : 0, total: 1, why };
  }

  if (kind === 'refusal') {
    const refused = /failed to create the container/.test(run.stderr);
    const ok = exitedOk && refused && tap.plan === undefined && tap.lines.length === 0;
    let why = '';
    if (!ok)
      why = refused
        ? `${exitText(run)} after the refusal`
        : `the runtime accepted the config (${exitText(run)}${tap.lines.length ? `, runtimetest ran: ${tap.lines.length} TAP lines` : ''})`;
    return { ...base, status: ok ? 'PASS' : 'FAIL', ok: ok ? 1 : 0, total: 1, why };
  }

  const ok = tap.lines.filter((l) => l.ok).length;
  const total = Math.max(tap.plan ?? 0, tap.lines.length);
  const planMet = tap.plan !== undefined && tap.plan > 0 && tap.plan === tap.lines.length;
  const allLinesOk = ok === tap.lines.length;
  if (exitedOk && planMet && allLinesOk) {
    const skipped = tap.lines.every((l) => l.skip);
    return { ...base, status: skipped ? 'SKIP' : 'PASS', ok, total, why: skipped ? (tap.lines[0]?.text ?? '') : '' };
  }
  let why: string;
  const failed = tap.lines.find((l) => !l.ok);
  // "exit status 1" says little: the runtime's error is in stderr.
  if (failed)
    why = `not ok: ${failed.text}${/^exit status \d+$/.test(failed.text) && run.stderr ? `: ${stderrGist(run.stderr)}` : ''}`;
  else if (!exitedOk)
    why = `${exitText(run)}${tap.plan === undefined ? ', no TAP' : ''}: ${stderrGist(run.stderr) || firstLine(run.stdout)}`;
  else if (tap.plan === undefined) why = 'no TAP plan';
  else if (tap.plan === 0) why = `plan 1..0: ${firstLine(tap.errors[0] ?? '') || 'no assertions'}`;
  else why = `plan 1..${tap.plan} but ${tap.lines.length} assertions`;
  return { ...base, status: 'FAIL', ok, total, why };
}

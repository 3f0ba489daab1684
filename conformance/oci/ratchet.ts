// The ratchet: each file's result against its expectation (conformance/oci-expected). Pure.
//
// A problem when a file does worse than expected (an expected PASS fails; an exception's
// assertion count drops: fewer ok, or more not ok), and when it does better than recorded (a
// listed exception now passes: remove it; an exception's count rises: record the new one),
// so the list of exceptions can only shrink and the counts only rise.
import type { Expectation } from './expected';
import { allOk, type FileResult } from './outcome';

export interface Verdict {
  /** true when the result matches its expectation */
  ok: boolean;
  /** one sentence: what was expected, what happened, and why */
  text: string;
  /** 'worse' | 'better' when not ok */
  direction?: 'worse' | 'better';
}

function counts(r: Pick<FileResult, 'ok' | 'total'>): string {
  return `${r.ok}/${r.total}`;
}

/** One file: its result against its expectation (either may be missing). */
export function judge(exp: Expectation | undefined, res: FileResult | undefined): Verdict {
  if (!exp && !res) return { ok: false, text: 'neither expected nor run' };
  if (!exp)
    return {
      ok: false,
      direction: 'worse',
      text: `${res?.name} ${res?.status} ${res && counts(res)} is not listed in conformance/oci-expected`,
    };
  if (!res)
    return { ok: false, direction: 'worse', text: `${exp.name} is listed in conformance/oci-expected but did not run` };
  const got = `${res.status} ${counts(res)}${res.why ? ` (${res.why})` : ''}`;
  if (exp.outcome === 'PASS') {
    if (allOk(res)) return { ok: true, text: `${res.name}: ${res.status} ${counts(res)} as expected` };
    return { ok: false, direction: 'worse', text: `${res.name}: expected PASS, got ${got}` };
  }
  const because = `${exp.outcome}: ${exp.reason}`;
  if (allOk(res))
    return {
      ok: false,
      direction: 'better',
      text: `${res.name} now passes (${res.status} ${counts(res)}): remove its exception from conformance/oci-expected [${because}]`,
    };
  if (exp.count) {
    const expNotOk = exp.count.total - exp.count.ok;
    const notOk = res.total - res.ok;
    const want = `${exp.count.ok}/${exp.count.total}`;
    if (res.ok < exp.count.ok || notOk > expNotOk)
      return { ok: false, direction: 'worse', text: `${res.name}: expected ${want}, got ${got} [${because}]` };
    if (res.ok > exp.count.ok || notOk < expNotOk)
      return {
        ok: false,
        direction: 'better',
        text: `${res.name}: better than recorded: ${counts(res)} (expected ${want}): record it in conformance/oci-expected [${because}]`,
      };
  }
  return { ok: true, text: `${res.name}: FAIL ${counts(res)} as expected [${because}]` };
}

/** Every file that does not match: expectations without a result and results without one included. */
export function compareOutcomes(expected: Expectation[], results: FileResult[]): string[] {
  const problems: string[] = [];
  const byName = new Map(results.map((r) => [r.name, r]));
  for (const e of expected) {
    const v = judge(e, byName.get(e.name));
    if (!v.ok) problems.push(v.text);
  }
  const listed = new Set(expected.map((e) => e.name));
  for (const r of results) if (!listed.has(r.name)) problems.push(judge(undefined, r).text);
  return problems;
}

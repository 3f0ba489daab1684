// The harness's report: one line per file, `name PASS|FAIL|SKIP ok/total [why]`, then
// `N/M files all-ok, A/B assertions ok` and the wall time.
import { allOk, type FileResult } from './outcome';

const WHY_MAX = 160;

/** One file's line; `why` is cut to one short line. */
export function resultLine(r: FileResult, nameWidth = 31): string {
  const why = r.why.replace(/\s+/g, ' ').trim();
  const cut = why.length > WHY_MAX ? `${why.slice(0, WHY_MAX - 3)}...` : why;
  return `${r.name.padEnd(nameWidth)} ${r.status.padEnd(4)} ${`${r.ok}/${r.total}`.padEnd(8)} ${cut}`.trimEnd();
}

/** "N/M files all-ok, A/B assertions ok" over `results` (M: the number of files). */
export function summaryLine(results: FileResult[], files = results.length): string {
  const filesOk = results.filter(allOk).length;
  const ok = results.reduce((n, r) => n + r.ok, 0);
  const total = results.reduce((n, r) => n + r.total, 0);
  return `${filesOk}/${files} files all-ok, ${ok}/${total} assertions ok`;
}

/** Milliseconds as "9m 32s" (or "41.2s" under a minute). */
export function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  return `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
}

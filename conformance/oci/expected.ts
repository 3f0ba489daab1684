// conformance/oci-expected: each validation file's expected outcome for tsrun on the
// project's machines. One entry per file:
//
//   NAME PASS [note]
//   NAME CLASS [OK/TOTAL] reason...
//     more reason (indented continuation lines)
//
// CLASS is why the file is not all-ok: host (what the host lacks), suite (an assertion of
// the suite is wrong), compat (a deliberate runc-compatible choice engines depend on), todo
// (a feature not built yet). OK/TOTAL, when given, is the expected assertion count, so that
// a partial regression (or a partial improvement, to be recorded) is seen. A line whose first
// non-blank character is `#` is a comment.
import * as fs from 'node:fs';

export const CLASSES = ['host', 'suite', 'compat', 'todo'] as const;
type ExceptionClass = (typeof CLASSES)[number];

export interface Expectation {
  name: string;
  outcome: 'PASS' | ExceptionClass;
  /** the expected assertion counts of an exception */
  count?: { ok: number; total: number };
  /** why (exceptions) or a note (PASS) */
  reason: string;
  /** 1-based line in the file, for messages */
  line: number;
}

/** Parses the text of an expectations file; throws on a malformed or duplicate entry. */
export function parseExpected(text: string, file = 'oci-expected'): Expectation[] {
  const out: Expectation[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (!raw.trim() || /^\s*#/.test(raw)) continue;
    const where = `${file}:${i + 1}`;
    if (/^\s/.test(raw)) {
      const last = out[out.length - 1];
      if (!last) throw new Error(`${where}: a continuation line before any entry`);
      last.reason = `${last.reason} ${raw.trim()}`.trim();
      continue;
    }
    const m = /^(\S+)\s+(\S+)(?:\s+(\d+)\/(\d+)(?=\s|$))?\s*(.*)$/.exec(raw.trimEnd());
    if (!m) throw new Error(`${where}: expected "NAME PASS" or "NAME CLASS [OK/TOTAL] reason"`);
    const [, name = '', outcome = '', ok, total, reason = ''] = m;
    if (outcome !== 'PASS' && !(CLASSES as readonly string[]).includes(outcome))
      throw new Error(`${where}: ${name}: outcome must be PASS or one of ${CLASSES.join(', ')}, not "${outcome}"`);
    if (out.some((e) => e.name === name)) throw new Error(`${where}: ${name} is listed twice`);
    if (outcome === 'PASS' && ok !== undefined) throw new Error(`${where}: ${name}: a PASS has no count`);
    const e: Expectation = { name, outcome: outcome as Expectation['outcome'], reason, line: i + 1 };
    if (ok !== undefined) {
      e.count = { ok: Number(ok), total: Number(total) };
      if (e.count.ok > e.count.total) throw new Error(`${where}: ${name}: count ${ok}/${total} is more than all`);
    }
    out.push(e);
  }
  for (const e of out)
    if (e.outcome !== 'PASS' && !e.reason) throw new Error(`${file}:${e.line}: ${e.name}: an exception needs a reason`);
  return out;
}

export function loadExpected(file: string): Expectation[] {
  return parseExpected(fs.readFileSync(file, 'utf8'), file);
}

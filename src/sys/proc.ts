// /proc readers: pure parsers over text, and thin readers that return null when gone.
import { readFileSync } from 'node:fs';

/** Field 22 of /proc/PID/stat: start time in clock ticks since boot. It tells a live
 * container init apart from an unrelated process that reused its pid. */
export function parseStartTime(statText: string): number | null {
  const close = statText.lastIndexOf(')');
  if (close < 0) return null;
  const fields = statText.slice(close + 2).split(' ');
  // fields[0] is field 3 (state); start time is field 22.
  const value = fields[19];
  return value === undefined ? null : Number(value);
}

function parseState(statText: string): string | null {
  const close = statText.lastIndexOf(')');
  return close < 0 ? null : (statText[close + 2] ?? null);
}

export interface ProcessFacts {
  startTime: number;
  /** Single-letter state from /proc/PID/stat ("Z" for a zombie). */
  state: string;
}

/** The recorded process still runs: same start time (not a reused pid), not a zombie. */
export function isSameLiveProcess(facts: ProcessFacts | null, recordedStartTime: number): boolean {
  return facts !== null && facts.state !== 'Z' && facts.state !== 'X' && facts.startTime === recordedStartTime;
}

export function readProcessFacts(pid: number): ProcessFacts | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  const startTime = parseStartTime(text);
  const state = parseState(text);
  return startTime === null || state === null ? null : { startTime, state };
}

/** mountinfo writes space, tab, newline and backslash in paths as octal escapes (\040). */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export interface MountinfoLine {
  /** The mounted subtree of its filesystem ("/" for the whole). */
  root: string;
  mountPoint: string;
  fstype: string;
  superOptions: string[];
}

/** One line of /proc/PID/mountinfo ("36 31 0:33 / /sys/fs/cgroup/devices rw - cgroup cgroup
 * rw,devices"), its paths unescaped; null for a line that is not one. */
function parseMountinfoLine(line: string): MountinfoLine | null {
  const parts = line.split(' ');
  const dash = parts.indexOf('-', 6);
  if (dash < 0 || parts.length < dash + 4) return null;
  return {
    root: unescapeMountField(parts[3] ?? '/'),
    mountPoint: unescapeMountField(parts[4] ?? ''),
    fstype: parts[dash + 1] ?? '',
    superOptions: (parts[dash + 3] ?? '').split(','),
  };
}

/** Every line of a mountinfo text, parsed. */
export function parseMountinfo(text: string): MountinfoLine[] {
  return text
    .split('\n')
    .map(parseMountinfoLine)
    .filter((m): m is MountinfoLine => m !== null);
}

/** The runtime's bounding set: the capabilities it can hand to a container. */
export function readBoundingCapabilities(): bigint {
  const status = readFileSync('/proc/self/status', 'utf8');
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

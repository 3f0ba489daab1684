// Go's time.ParseDuration, which runc's --interval flag uses: "5s", "100ms", "1m30s",
// "1.5h", "-2s", "0"; units ns, us (µs, μs), ms, s, m, h. Errors are Go's words.

const NS_PER_UNIT: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Nanoseconds (a float: precision below a nanosecond-exact int64 does not matter here). */
export function parseGoDuration(text: string): number {
  const invalid = () => new Error(`time: invalid duration ${JSON.stringify(text)}`);
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw invalid();
  let total = 0;
  while (rest !== '') {
    const num = /^([0-9]*)(?:\.([0-9]*))?/.exec(rest) as RegExpExecArray;
    const [whole = '', frac] = [num[1], num[2]];
    if (whole === '' && (frac === undefined || frac === '')) throw invalid();
    rest = rest.slice(num[0].length);
    const unit = /^[^0-9.]*/.exec(rest)?.[0] ?? '';
    if (unit === '') throw new Error(`time: missing unit in duration ${JSON.stringify(text)}`);
    const scale = NS_PER_UNIT[unit];
    if (scale === undefined)
      throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}`);
    rest = rest.slice(unit.length);
    total += Number(`${whole || '0'}.${frac ?? ''}0`) * scale;
  }
  if (total > 2 ** 63) throw invalid();
  return sign * total;
}

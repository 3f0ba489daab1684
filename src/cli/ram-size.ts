// Memory sizes as runc's update flags take them (docker/go-units RAMInBytes): a decimal
// number, optionally a binary unit k, m, g, t or p (1024-based, case-insensitive, with an
// optional "b" or "ib"), or a plain "b"; "512m", "1.5g", "100 KiB". The result is truncated
// to whole bytes, as go-units does.

const UNITS: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };
const NUMBER = /^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Bytes, or the problem with `text` as go-units words it. */
export function parseRamSize(text: string): number | { problem: string } {
  const space = text.indexOf(' ');
  let num: string;
  let suffix: string;
  if (space >= 0) {
    num = text.slice(0, space);
    suffix = text.slice(space + 1);
  } else {
    const end = Math.max(...[...'0123456789.'].map((c) => text.lastIndexOf(c)));
    if (end < 0) return { problem: `invalid size: '${text}'` };
    num = text.slice(0, end + 1);
    suffix = text.slice(end + 1);
  }
  if (!NUMBER.test(num)) return { problem: `invalid size: '${text}'` };
  let size = Number(num);
  const unit = suffix.toLowerCase();
  if (unit !== '' && unit !== 'b') {
    const multiplier = UNITS[unit[0] ?? ''];
    if (unit.length > 3 || multiplier === undefined || (unit.length === 2 && unit[1] !== 'b'))
      return { problem: `invalid suffix: '${unit}'` };
    if (unit.length === 3 && unit.slice(1) !== 'ib') return { problem: `invalid suffix: '${unit}'` };
    size *= multiplier;
  }
  const bytes = Math.trunc(size);
  if (!Number.isSafeInteger(bytes)) return { problem: `size out of range: '${text}'` };
  return bytes;
}

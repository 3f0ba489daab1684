// Pressure stall information, cgroup v2's cpu/memory/io.pressure files:
// "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and a "full" line.
import { fileLines, parseUint, type StatDir } from './files';
import type { PsiData, PsiStats } from './types';

function parseData(fields: string[]): PsiData {
  const data: PsiData = { avg10: 0, avg60: 0, avg300: 0, total: 0n };
  for (const f of fields) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new Error(`invalid psi data: ${JSON.stringify(f)}`);
    const [key, value] = [f.slice(0, eq), f.slice(eq + 1)];
    if (key === 'total') {
      try {
        data.total = parseUint(value);
      } catch (err) {
        throw new Error(`invalid total PSI value: ${(err as Error).message}`);
      }
    } else if (key === 'avg10' || key === 'avg60' || key === 'avg300') {
      const n = Number(value);
      if (value.trim() === '' || Number.isNaN(n))
        throw new Error(`invalid ${key} PSI value: strconv.ParseFloat: parsing "${value}": invalid syntax`);
      data[key] = n;
    }
  }
  return data;
}

/** The file's PSI, or undefined when the kernel has none (no file). */
export function readPsi(dir: StatDir, file: string): PsiStats | undefined {
  const text = dir.readIfThere(file);
  if (text === undefined) return undefined;
  const psi: PsiStats = { some: parseData([]), full: parseData([]) };
  for (const line of fileLines(text)) {
    const [kind, ...fields] = line.split(/\s+/).filter(Boolean);
    if (kind !== 'some' && kind !== 'full') continue;
    try {
      psi[kind] = parseData(fields);
    } catch (err) {
      throw dir.parseError(file, (err as Error).message);
    }
  }
  return psi;
}

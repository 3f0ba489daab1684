// runc-identical output: the state document and the list table.

/** Go's tabwriter as runc's `list` uses it (minwidth 12, padding 3, spaces). */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  return rows
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(Math.max(12, (widths[i] ?? 0) + 3)))).join(''),
    )
    .map((line) => `${line}\n`)
    .join('');
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

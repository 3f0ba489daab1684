// "Did you mean ...?": the nearest known name to a mistyped one (edit distance, a swap of
// two neighbours counting as one edit), within a third of its length and at most the 3
// that yargs' recommendCommands allows, so that a word that is merely short is not "near".
const MAX_DISTANCE = 3;

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[a.length]![b.length]!;
}

/** The closest of `known` to `typed` (both compared without leading dashes), or undefined
 * when none is close. */
export function nearest(typed: string, known: string[]): string | undefined {
  const bare = (s: string) => s.replace(/^-+/, '');
  const allowed = Math.min(MAX_DISTANCE, Math.max(1, Math.floor(bare(typed).length / 3)));
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const k of known) {
    const d = distance(bare(typed), bare(k));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

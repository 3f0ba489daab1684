// The README shows the newest bench summary between two markers, in its bench paragraph.
export const START = '<!-- bench:start -->';
export const END = '<!-- bench:end -->';

/** `readme` with what lies between the markers replaced by `summary`; throws when the markers
 * are missing or out of order (the README is then left as it was). */
export function spliceSummary(readme: string, summary: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README: no ${START} ... ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n${summary.trim()}\n${readme.slice(end)}`;
}

// What yargs prints for a command line (help, a completion script, completions), returned
// instead of printed, so that main.ts writes it where it belongs.
import { readWithYargs } from './definition';

export function yargsOutput(args: string[]): string {
  const text = readWithYargs(args).output;
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}

// What follows the one-line usage error: "Did you mean ...?" for a mistyped command or flag
// (stderr), and the usage of the command (stdout, where runc prints it).
import * as fs from 'node:fs';
import { commands, type FlagSpec } from '../commands';
import { globalFlags } from '../global-flags';
import { splitCommand } from '../global-flags';
import { splitAtFirstPositional } from '../parse';
import { yargsOutput } from './output';
import { nearest } from './suggest';

/** The first flag of `tokens` that `flags` does not know, with its dashes, and the names it
 * could have meant. */
function unknownFlag(
  tokens: string[],
  flags: Record<string, FlagSpec>,
): { typed: string; known: string[] } | undefined {
  for (let i = 0; i < tokens.length; i++) {
    const a = tokens[i]!;
    if (a === '--') break;
    if (!a.startsWith('-') || a === '-') continue;
    const long = a.startsWith('--');
    const name = long ? a.slice(2).split('=')[0]! : a.slice(1, 2);
    const spec = long ? flags[name] : Object.values(flags).find((f) => f.short === name);
    if (!spec) {
      const known = Object.keys(flags).map((k) => `--${k}`);
      return { typed: long ? `--${name}` : `-${name}`, known };
    }
    if (spec.type === 'string' && !a.includes('=') && (long || a.length === 2)) i++;
  }
  return undefined;
}

function suggestion(typed: string, known: string[]): void {
  const near = nearest(typed, known);
  if (near !== undefined) fs.writeSync(2, `Did you mean ${near}?\n`);
}

/** Explain the usage error that `args` caused; main.ts has already printed its first line. */
export function explainUsage(args: string[]): void {
  const { globals, name, rest } = splitCommand(args);
  const badGlobal = unknownFlag(globals, globalFlags);
  if (badGlobal) {
    suggestion(badGlobal.typed, badGlobal.known);
    fs.writeSync(1, yargsOutput(['--help']));
    return;
  }
  const topic = name === 'help' ? rest[0] : name;
  const cmd = commands.find((c) => c.name === topic);
  if (!cmd) {
    if (topic !== undefined)
      suggestion(
        topic,
        commands.map((c) => c.name),
      );
    return;
  }
  const own = cmd.passThrough ? splitAtFirstPositional(rest, cmd.flags)[0] : rest;
  const bad = unknownFlag(own, { ...cmd.flags, help: globalFlags.help! });
  if (bad) suggestion(bad.typed, bad.known);
  fs.writeSync(1, yargsOutput([cmd.name, '--help']));
}

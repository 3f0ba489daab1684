// A command's own arguments: its flags (runc's urfave/cli habits on top of node's parseArgs),
// its positionals by name, and for a passThrough command what follows the first positional.
import { parseArgs } from 'node:util';
import { TsrunError } from '../errors';
import type { CommandSpec, Flags, FlagSpec } from './commands';

function usageError(message: string): TsrunError {
  return new TsrunError('ERR_TSRUN_USAGE', message);
}

/** runc (urfave/cli) takes the token after a flag with a value as that value even when it
 * starts with "-" (`update --memory -1`); node's parseArgs takes it only as `--memory=-1`. */
function attachValues(tokens: string[], flags: Record<string, FlagSpec>): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const a = tokens[i]!;
    if (a === '--') return [...out, ...tokens.slice(i)];
    const long = /^--([^=]+)$/.exec(a)?.[1];
    const short = /^-([^-=])$/.exec(a)?.[1];
    const name = long ?? Object.keys(flags).find((k) => short !== undefined && flags[k]!.short === short);
    if (name !== undefined && flags[name]?.type === 'string' && i + 1 < tokens.length)
      out.push(`--${name}=${tokens[++i]}`);
    else out.push(a);
  }
  return out;
}

type ParseArgsOption = { type: 'boolean' | 'string'; short?: string; default?: string | boolean; multiple?: boolean };

/** Flags and positionals of `tokens` (node's parseArgs, strict); a bad flag is a usage error. */
export function parseOptions(tokens: string[], flags: Record<string, FlagSpec>, allowPositionals: boolean) {
  const options: Record<string, ParseArgsOption> = {};
  for (const [name, f] of Object.entries(flags))
    options[name] = {
      type: f.type,
      ...(f.short ? { short: f.short } : {}),
      ...(f.default !== undefined ? { default: f.default } : {}),
      ...(f.multiple ? { multiple: true } : {}),
    };
  try {
    return parseArgs({ args: attachValues(tokens, flags), options, strict: true, allowPositionals });
  } catch (err) {
    throw usageError((err as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, ''));
  }
}

/** runc's StopOnNthArg(1): the command's flags end at its first positional; what follows
 * it is not parsed. Returns the tokens to parse and the rest. */
export function splitAtFirstPositional(tokens: string[], flags: Record<string, FlagSpec>): [string[], string[]] {
  let i = 0;
  while (i < tokens.length) {
    const a = tokens[i]!;
    if (a === '--') return [tokens.slice(0, i + 2), tokens.slice(i + 2)];
    if (!a.startsWith('-') || a === '-') return [tokens.slice(0, i + 1), tokens.slice(i + 1)];
    const name = a.replace(/^--?/, '').split('=')[0]!;
    const spec = flags[name] ?? Object.values(flags).find((f) => f.short === name);
    i += spec?.type === 'string' && !a.includes('=') ? 2 : 1;
  }
  return [tokens, []];
}

/** runc's checkArgs, in its words (`"start" requires exactly 1 argument(s)`): exact when
 * every positional is required, else a minimum and a maximum. */
function checkArgCount(cmd: CommandSpec, given: number): void {
  const required = cmd.positionals.filter((p) => !p.endsWith('?')).length;
  const most = cmd.positionals.length;
  const counted = (bound: string, n: number) => usageError(`"${cmd.name}" requires ${bound} ${n} argument(s)`);
  if (required === most && given !== most) throw counted('exactly', most);
  if (given < required) throw counted('a minimum of', required);
  if (given > most) throw counted('a maximum of', most);
}

export interface ParsedCommand {
  positional: Record<string, string | undefined>;
  flags: Flags;
  /** What followed the first positional of a passThrough command, unparsed. */
  extra: string[];
}

/** `rest` (what follows the command name) -> its flags, positionals and pass-through
 * arguments; 'help' for -h/--help. Throws a usage error for a bad flag or a missing or
 * extra positional. */
export function parseCommandArgs(cmd: CommandSpec, rest: string[]): ParsedCommand | 'help' {
  const [own, extra] = cmd.passThrough ? splitAtFirstPositional(rest, cmd.flags) : [rest, []];
  const parsed = parseOptions(
    own,
    { ...cmd.flags, help: { type: 'boolean', short: 'h', describe: 'show help' } },
    true,
  );
  if (parsed.values.help) return 'help';
  checkArgCount(cmd, parsed.positionals.length);
  const positional: Record<string, string | undefined> = {};
  for (const [i, p] of cmd.positionals.entries()) positional[p.replace(/\?$/, '')] = parsed.positionals[i];
  const { help: _help, ...flags } = parsed.values;
  return { positional, flags: flags as Flags, extra };
}

// The command line: runc's global flags and commands (parsed with node:util parseArgs, which
// costs nothing at start-up). One catch prints the error as one line, logs it to --log,
// and exits 1.
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { makeContext } from '../container/context';
import { OCI_VERSION, TSRUN_VERSION } from '../container/version';
import { TsrunError } from '../errors';
import { Logger, type LogFormat } from '../log/logger';
import { commands, type CommandSpec, type FlagSpec } from './commands';

const globalFlags: Record<string, FlagSpec> = {
  root: { type: 'string', default: '/run/tsrun', describe: 'root directory for container state' },
  log: { type: 'string', describe: 'log file (default: stderr)' },
  'log-format': { type: 'string', default: 'text', describe: 'log format: text or json' },
  debug: { type: 'boolean', default: false, describe: 'debug logging' },
  'systemd-cgroup': { type: 'boolean', default: false, describe: 'read cgroupsPath as "slice:prefix:name"' },
  // Accepted for runc compatibility, without effect.
  criu: { type: 'string', describe: 'accepted for compatibility; checkpointing is not supported' },
  rootless: { type: 'string', describe: 'accepted for compatibility (true|false|auto)' },
  help: { type: 'boolean', short: 'h', describe: 'show help' },
  version: { type: 'boolean', short: 'v', describe: 'print the version' },
};

let logger = new Logger(undefined, 'text', 'warning');

function usageError(message: string): TsrunError {
  return new TsrunError('ERR_TSRUN_USAGE', message);
}

function flagLines(flags: Record<string, FlagSpec>): string {
  return Object.entries(flags)
    .map(([name, f]) => {
      const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.type === 'string' ? ' value' : ''}`;
      const def = f.default !== undefined && f.default !== false ? ` (default: ${String(f.default)})` : '';
      return `   ${left.padEnd(28)} ${f.describe}${def}\n`;
    })
    .join('');
}

function help(cmd?: CommandSpec): string {
  if (cmd) {
    const pos = cmd.positionals.map((p) => (p.endsWith('?') ? `[${p.slice(0, -1)}]` : `<${p}>`)).join(' ');
    return `tsrun ${cmd.name} - ${cmd.summary}\n\nUsage: tsrun [global options] ${cmd.name} [options] ${pos}\n\nOptions:\n${flagLines(cmd.flags)}`;
  }
  const list = commands.map((c) => `   tsrun ${c.name.padEnd(10)} ${c.summary}\n`).join('');
  return `tsrun - a runc-compatible OCI container runtime\n\nUsage: tsrun [global options] <command> [options] [arguments]\n\nCommands:\n${list}\nGlobal options:\n${flagLines(globalFlags)}`;
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

function parseOptions(tokens: string[], flags: Record<string, FlagSpec>, allowPositionals: boolean) {
  const options: Record<string, { type: 'boolean' | 'string'; short?: string; default?: string | boolean }> = {};
  for (const [name, f] of Object.entries(flags))
    options[name] = {
      type: f.type,
      ...(f.short ? { short: f.short } : {}),
      ...(f.default !== undefined ? { default: f.default } : {}),
    };
  try {
    return parseArgs({ args: attachValues(tokens, flags), options, strict: true, allowPositionals });
  } catch (err) {
    throw usageError((err as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, ''));
  }
}

/** Split "global flags, command, command arguments": global flags come first, as in runc. */
function splitCommand(args: string[]): { globals: string[]; name: string | undefined; rest: string[] } {
  let i = 0;
  while (i < args.length) {
    const a = args[i]!;
    if (!a.startsWith('-') || a === '-') break;
    if (a === '--') {
      i++;
      break;
    }
    const name = a.replace(/^--?/, '').split('=')[0]!;
    const spec = globalFlags[name] ?? Object.values(globalFlags).find((f) => f.short === name);
    i += spec?.type === 'string' && !a.includes('=') ? 2 : 1;
  }
  return { globals: args.slice(0, i), name: args[i], rest: args.slice(i + 1) };
}

/** runc's StopOnNthArg(1): the command's flags end at its first positional; what follows
 * it is not parsed. Returns the tokens to parse and the rest. */
function splitAtFirstPositional(tokens: string[], flags: Record<string, FlagSpec>): [string[], string[]] {
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

async function dispatch(args: string[]): Promise<number> {
  const { globals, name, rest } = splitCommand(args);
  const g = parseOptions(globals, globalFlags, false).values;
  const format = String(g['log-format']);
  if (format !== 'text' && format !== 'json') throw usageError(`invalid log-format "${format}": text or json`);
  logger = new Logger(g.log as string | undefined, format as LogFormat, g.debug ? 'debug' : 'info');
  if (g.version) {
    fs.writeSync(1, `tsrun version ${TSRUN_VERSION}\nspec: ${OCI_VERSION}\nnode: ${process.version}\n`);
    return 0;
  }
  if (g.help || name === undefined || name === 'help') {
    const target = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    fs.writeSync(1, help(target));
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    // runc (urfave/cli) exits 3 for a command it does not know.
    report(usageError(`unknown command "${name}" (see tsrun --help)`));
    return 3;
  }
  const [own, extra] = cmd.passThrough ? splitAtFirstPositional(rest, cmd.flags) : [rest, []];
  const parsed = parseOptions(
    own,
    { ...cmd.flags, help: { type: 'boolean', short: 'h', describe: 'show help' } },
    true,
  );
  if (parsed.values.help) {
    fs.writeSync(1, help(cmd));
    return 0;
  }
  const required = cmd.positionals.filter((p) => !p.endsWith('?')).length;
  if (parsed.positionals.length < required)
    throw usageError(`${cmd.name}: missing argument <${cmd.positionals[parsed.positionals.length]}>`);
  if (parsed.positionals.length > cmd.positionals.length)
    throw usageError(`${cmd.name}: unexpected argument "${parsed.positionals[cmd.positionals.length]}"`);
  const positional: Record<string, string | undefined> = {};
  for (const [i, p] of cmd.positionals.entries()) positional[p.replace(/\?$/, '')] = parsed.positionals[i];
  const ctx = makeContext(String(g.root), logger, g['systemd-cgroup'] === true, g.debug === true);
  return cmd.run(ctx, positional, parsed.values, extra);
}

function report(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  const line = message.split('\n')[0] ?? message;
  logger.error(line);
  fs.writeSync(2, `tsrun: ${line}\n`);
  if (
    !(err instanceof TsrunError) &&
    !String((err as { code?: string }).code ?? '').startsWith('ERR_TSRUN') &&
    process.argv.includes('--debug')
  ) {
    fs.writeSync(2, `${(err as Error).stack ?? ''}\n`);
  }
}

async function main(args: string[]): Promise<void> {
  try {
    process.exitCode = await dispatch(args);
  } catch (err) {
    report(err);
    process.exitCode = 1;
  }
}

void main(process.argv.slice(2));

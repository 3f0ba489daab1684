// The command line: runc's global flags and commands (parsed with node:util parseArgs, which
// costs nothing at start-up). One catch prints the error as one line, logs it to --log,
// and exits 1.
import * as fs from 'node:fs';
import { makeContext } from '../container/context';
import { engineVersion, OCI_VERSION, TSRUN_VERSION } from '../container/version';
import { TsrunError } from '../errors';
import { Logger, type LogFormat } from '../log/logger';
import { commands, type CommandSpec, type FlagSpec } from './commands';
import { parseCommandArgs, parseOptions } from './parse';

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

async function dispatch(args: string[]): Promise<number> {
  const { globals, name, rest } = splitCommand(args);
  const g = parseOptions(globals, globalFlags, false).values;
  const format = String(g['log-format']);
  if (format !== 'text' && format !== 'json') throw usageError(`invalid log-format "${format}": text or json`);
  logger = new Logger(g.log as string | undefined, format as LogFormat, g.debug ? 'debug' : 'info');
  if (g.version) {
    fs.writeSync(1, `tsrun version ${TSRUN_VERSION}\nspec: ${OCI_VERSION}\n${engineVersion()}\n`);
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
  const parsed = parseCommandArgs(cmd, rest);
  if (parsed === 'help') {
    fs.writeSync(1, help(cmd));
    return 0;
  }
  const ctx = makeContext(String(g.root), logger, g['systemd-cgroup'] === true, g.debug === true);
  return cmd.run(ctx, parsed.positional, parsed.flags, parsed.extra);
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
    process.exitCode = err instanceof TsrunError ? err.exitStatus : 1;
  }
}

void main(process.argv.slice(2));

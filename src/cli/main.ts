// The command line: runc's global flags and commands (parsed with node:util parseArgs, which
// costs nothing at start-up; yargs renders help, usage errors and completion, and is loaded
// only for them). One catch prints the error as one line, logs it to --log, and exits 1.
import { writeSync } from 'node:fs';
import { makeContext } from '../container/context';
import { engineVersion, OCI_VERSION, TSRUN_VERSION } from '../container/version';
import { TsrunError } from '../errors';
import { Logger, type LogFormat } from '../log/logger';
import { type StepTracer, stepTracer } from '../log/trace';
import { commands } from './commands';
import { globalFlags, splitCommand } from './global-flags';
import { parseCommandArgs, parseOptions } from './parse';

let logger = new Logger(undefined, 'text', 'warning');
/** --debug's "dispatched" and "done" lines, once a command is known. */
let traced: StepTracer | undefined;

function usageError(message: string): TsrunError {
  return new TsrunError('ERR_TSRUN_USAGE', message);
}

/** Help, usage errors and shell completion are rendered by yargs from the same command
 * table; yargs is loaded only inside these branches, so a valid command never pays for it. */
function helpText(args: string[]): string {
  const { yargsOutput }: typeof import('./help/output') = require('./help/output');
  return yargsOutput(args);
}

/** A bad command line: its one line (stderr, --log), then a suggestion and the usage. */
function usageFailed(args: string[], err: unknown, status: number): number {
  report(err);
  const { explainUsage }: typeof import('./help/usage-error') = require('./help/usage-error');
  explainUsage(args);
  return status;
}

function isUsageError(err: unknown): boolean {
  return err instanceof TsrunError && err.code === 'ERR_TSRUN_USAGE';
}

async function dispatch(args: string[]): Promise<number> {
  // yargs' completion script calls `tsrun --get-yargs-completions WORDS...`.
  if (args[0] === '--get-yargs-completions') {
    writeSync(1, helpText(args));
    return 0;
  }
  const { globals, name, rest } = splitCommand(args);
  let g: ReturnType<typeof parseOptions>['values'];
  try {
    g = parseOptions(globals, globalFlags, false).values;
  } catch (err) {
    if (isUsageError(err)) return usageFailed(args, err, 1);
    throw err;
  }
  const format = String(g['log-format']);
  if (format !== 'text' && format !== 'json') throw usageError(`invalid log-format "${format}": text or json`);
  logger = new Logger(g.log as string | undefined, format as LogFormat, g.debug ? 'debug' : 'info');
  if (g.version) {
    writeSync(1, `tsrun version ${TSRUN_VERSION}\nspec: ${OCI_VERSION}\n${engineVersion()}\n`);
    return 0;
  }
  const topic = name === 'help' ? rest[0] : name;
  if (name === 'completion' || ((g.help || name === undefined || name === 'help') && topic === undefined)) {
    writeSync(1, helpText(name === 'completion' ? args : ['--help']));
    return 0;
  }
  const cmd = commands.find((c) => c.name === topic);
  // runc (urfave/cli) exits 3 for a command it does not know, `help TOPIC` included.
  if (!cmd) return usageFailed(args, usageError(`unknown command "${topic}" (see tsrun --help)`), 3);
  if (g.help || name === 'help') {
    writeSync(1, helpText([cmd.name, '--help']));
    return 0;
  }
  let parsed: ReturnType<typeof parseCommandArgs>;
  try {
    parsed = parseCommandArgs(cmd, rest);
  } catch (err) {
    if (isUsageError(err)) return usageFailed(args, err, 1);
    throw err;
  }
  if (parsed === 'help') {
    writeSync(1, helpText([cmd.name, '--help']));
    return 0;
  }
  const ctx = makeContext(String(g.root), logger, g['systemd-cgroup'] === true, g.debug === true);
  traced = stepTracer(logger, cmd.name);
  traced('dispatched');
  return cmd.run(ctx, parsed.positional, parsed.flags, parsed.extra);
}

function report(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  const line = message.split('\n')[0] ?? message;
  logger.error(line);
  writeSync(2, `tsrun: ${line}\n`);
  if (
    !(err instanceof TsrunError) &&
    !String((err as { code?: string }).code ?? '').startsWith('ERR_TSRUN') &&
    process.argv.includes('--debug')
  ) {
    writeSync(2, `${(err as Error).stack ?? ''}\n`);
  }
}

async function main(args: string[]): Promise<void> {
  try {
    process.exitCode = await dispatch(args);
  } catch (err) {
    report(err);
    process.exitCode = err instanceof TsrunError ? err.exitStatus : 1;
  }
  // Output and logs are written synchronously (writeSync; stdout to a pipe, file or terminal
  // is synchronous on Linux): end now, not after the event loop's last turns.
  traced?.('done');
  process.exit();
}

void main(process.argv.slice(2));

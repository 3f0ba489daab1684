// The command table (commands.ts, global-flags.ts) as a yargs definition: help, usage
// errors and completion read it. Only those paths load this module (main.ts requires it
// inside their branches), so a valid command never loads or evaluates yargs.
import * as fs from 'node:fs';
import yargs, { type Argv, type Options } from 'yargs';
import { type CommandSpec, commands, type FlagSpec } from '../commands';
import { globalFlags } from '../global-flags';
import { splitCommand } from '../global-flags';
import { splitAtFirstPositional } from '../parse';

/** yargs-parser read the way node's parseArgs reads the fast path: no `--no-x` negation,
 * no numbers made of strings, one value per repeatable flag, no camelCase or alias copies. */
const parserConfiguration = {
  'boolean-negation': false,
  'parse-numbers': false,
  'parse-positional-numbers': false,
  'greedy-arrays': false,
  'camel-case-expansion': false,
  'strip-aliased': true,
  'dot-notation': false,
};

function option(f: FlagSpec): Options {
  return {
    // A repeatable flag is an array with one value each time it is given.
    ...(f.multiple ? { type: 'array', string: true } : { type: f.type }),
    ...(f.short ? { alias: f.short } : {}),
    ...(f.default !== undefined ? { default: f.default } : {}),
    // A flag that takes a value is an error without one, as in parseArgs and runc.
    ...(f.type === 'string' ? { requiresArg: true } : {}),
    describe: f.describe,
  };
}

/** `<container-id> [signal]`; a pass-through command's last one takes the rest (`[command..]`). */
function positionalSyntax(cmd: CommandSpec): string {
  return cmd.positionals
    .map((p, i) => {
      const name = p.replace(/\?$/, '').replaceAll(' ', '-');
      if (!p.endsWith('?')) return `<${name}>`;
      return cmd.passThrough && i === cmd.positionals.length - 1 ? `[${name}..]` : `[${name}]`;
    })
    .join(' ');
}

/** The containers in --root, for completing a container ID. */
function containerIds(root: unknown): string[] {
  try {
    return fs
      .readdirSync(typeof root === 'string' ? root : String(globalFlags.root!.default), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/** yargs' completions, less what the fast parser would refuse there (global flags after
 * the command, `--e` for the short alias `-e`), and after a command that takes one, the
 * container IDs in --root. The words are [program, command?, ...arguments, current]. */
function complete(
  current: string,
  argv: { _: (string | number)[]; root?: unknown },
  defaults: (onCompleted?: (err: Error | null, names?: string[]) => void) => void,
  done: (names: string[]) => void,
): void {
  defaults((_err, names = []) => {
    const cmd = commands.find((c) => c.name === argv._[1]);
    const global = (n: string) => n !== '--help' && n.slice(2) in globalFlags;
    const kept = names.filter((n) => !/^--.$/.test(n) && !(cmd && global(n)));
    const wantsId = cmd?.positionals[0] === 'container-id' && argv._.length === 3 && !current.startsWith('-');
    done(wantsId ? [...kept, ...containerIds(argv.root)] : kept);
  });
}

/** runc's pass-through commands (`exec ID cmd -flags`, `ps ID -ef`) stop reading flags at
 * their first positional: a `--` there makes yargs read the same. */
function passThroughMarked(args: string[]): string[] {
  const { globals, name, rest } = splitCommand(args);
  const cmd = commands.find((c) => c.name === name);
  if (!cmd?.passThrough) return args;
  const [own, extra] = splitAtFirstPositional(rest, cmd.flags);
  if (own.includes('--') || extra.length === 0) return args;
  return [...globals, cmd.name, ...own, '--', ...extra];
}

function cliDefinition(): Argv {
  const { help, version, ...globals } = globalFlags;
  let y = yargs()
    .scriptName('tsrun')
    .usage('$0 [global options] <command> [options] [arguments]\n\nA runc-compatible OCI container runtime')
    .parserConfiguration(parserConfiguration)
    .strict()
    .exitProcess(false)
    .version(false)
    .help('help', help!.describe)
    .alias('help', 'h')
    .option('version', { ...option(version!), global: false })
    .wrap(Math.min(100, process.stdout.columns || 100));
  // yargs has one key per name: a global flag that some command redefines (spec's boolean
  // --rootless) is declared again in each command that does not, instead of globally.
  const shadowed = (name: string) => commands.some((c) => name in c.flags);
  for (const [name, f] of Object.entries(globals)) y = y.option(name, { ...option(f), global: !shadowed(name) });
  for (const cmd of commands) {
    const syntax = positionalSyntax(cmd);
    y = y.command(`${cmd.name}${syntax ? ` ${syntax}` : ''}`, cmd.summary, (c) => {
      c = c.usage(`$0 [global options] ${cmd.name} [options] ${syntax}\n\n${cmd.summary}`);
      for (const [name, f] of Object.entries(cmd.flags)) c = c.option(name, option(f));
      for (const [name, f] of Object.entries(globals))
        if (shadowed(name) && !(name in cmd.flags)) c = c.option(name, option(f));
      // The command's own flags first, then runc's global ones (given before the command).
      return c.group([...Object.keys(cmd.flags), 'help'], 'Options:').group(
        Object.keys(globals).filter((n) => !(n in cmd.flags)),
        'Global options:',
      );
    });
  }
  return y
    .command('help [command]', 'show help for a command')
    .completion('completion', 'print a bash completion script', complete);
}

export interface YargsReading {
  /** What yargs would have printed: help, a completion script, completions. */
  output: string;
  error: Error | undefined;
  argv: Record<string, unknown>;
}

/** `args` read by the yargs definition, with what it would print returned, not printed. */
export function readWithYargs(args: string[]): YargsReading {
  const reading: YargsReading = { output: '', error: undefined, argv: {} };
  cliDefinition().parse(
    passThroughMarked(args),
    {},
    (error: Error | undefined, argv: Record<string, unknown>, output: string) => {
      Object.assign(reading, { output, error, argv });
    },
  );
  return reading;
}

// The fast parser (node's parseArgs, src/cli/parse.ts) and the yargs definition that renders
// help, usage errors and completion (src/cli/help/definition.ts) are built from one table:
// for every command and every flag of it, and every global flag, both read a command line
// the same way (short and long names, `--flag value` and `--flag=value`, a value that starts
// with "-", booleans, repeatable flags, defaults, positionals, what a pass-through command
// leaves unparsed), and both refuse an unknown flag or a flag without its value.
import t, { type Test } from 'tap';
import { type CommandSpec, commands, type FlagSpec } from '../../src/cli/commands';
import { globalFlags } from '../../src/cli/global-flags';
import { readWithYargs } from '../../src/cli/help/definition';
import { splitCommand } from '../../src/cli/global-flags';
import { parseCommandArgs, parseOptions } from '../../src/cli/parse';

type Read = { globals: Record<string, unknown>; flags: Record<string, unknown>; args: unknown[]; extra: unknown[] };

const optionalGlobals = Object.entries(globalFlags).filter(([n]) => n !== 'help' && n !== 'version');

/** Positionals that satisfy the command, and for a pass-through one what follows them. */
function positionals(cmd: CommandSpec): { args: string[]; extra: string[] } {
  const args = cmd.positionals.filter((p) => !p.endsWith('?')).map((_, i) => `arg${i}`);
  return { args, extra: cmd.passThrough ? ['ls', '-la', '--cwd', '/x'] : [] };
}

function fast(argv: string[]): Read {
  const { globals, name, rest } = splitCommand(argv);
  const cmd = commands.find((c) => c.name === name)!;
  const parsed = parseCommandArgs(cmd, rest);
  if (parsed === 'help') throw new Error('help');
  const own = cmd.positionals.filter((p) => !(cmd.passThrough && p.endsWith('?')));
  return {
    globals: parseOptions(globals, globalFlags, false).values,
    flags: parsed.flags,
    args: own.map((p) => parsed.positional[p.replace(/\?$/, '')]),
    extra: parsed.extra,
  };
}

function yargsRead(argv: string[]): Read {
  const { error, argv: read } = readWithYargs(argv);
  if (error) throw error;
  const cmd = commands.find((c) => c.name === (read._ as string[])[0])!;
  const own = cmd.positionals.filter((p) => !(cmd.passThrough && p.endsWith('?')));
  const pick = (flags: Record<string, FlagSpec>) => Object.fromEntries(Object.keys(flags).map((n) => [n, read[n]]));
  return {
    globals: pick(Object.fromEntries(optionalGlobals)),
    flags: pick(cmd.flags),
    args: own.map((p) => read[p.replace(/\?$/, '').replaceAll(' ', '-')]),
    extra: (read._ as string[]).slice(1),
  };
}

/** Both readings, with what is left undefined dropped from both. */
function same(t: Test, argv: string[]): void {
  // Where a command flag is named like a global one (spec's boolean --rootless, the global
  // string --rootless), yargs has one key for both: that global is compared elsewhere.
  const cmd = commands.find((c) => c.name === splitCommand(argv).name)!;
  const strip = (r: Read): Read => ({
    ...r,
    globals: Object.fromEntries(
      Object.entries(r.globals).filter(([k, v]) => v !== undefined && k in globalFlags && !(k in cmd.flags)),
    ),
    flags: Object.fromEntries(Object.entries(r.flags).filter(([, v]) => v !== undefined)),
  });
  t.same(strip(yargsRead(argv)), strip(fast(argv)), argv.join(' '));
}

/** The ways to give one flag on the command line, and what each means. */
function spellings(name: string, f: FlagSpec): string[][] {
  const names = [`--${name}`, ...(f.short ? [`-${f.short}`] : [])];
  if (f.type === 'boolean') return names.map((n) => [n]);
  const out: string[][] = [];
  for (const n of names) out.push([n, 'v1'], [n, '-1']);
  out.push([`--${name}=v1`], [`--${name}=a=b`]);
  if (f.multiple) out.push([names.at(-1)!, 'v1', `--${name}`, 'v2', `--${name}=v3`]);
  return out;
}

t.test('every command with no flag: the same defaults, positionals and pass-through', (t) => {
  for (const cmd of commands) {
    const { args, extra } = positionals(cmd);
    same(t, [cmd.name, ...args, ...extra]);
  }
  t.end();
});

t.test('every flag of every command, in every spelling', (t) => {
  for (const cmd of commands) {
    const { args, extra } = positionals(cmd);
    for (const [name, f] of Object.entries(cmd.flags))
      for (const tokens of spellings(name, f)) same(t, [cmd.name, ...tokens, ...args, ...extra]);
  }
  t.end();
});

t.test('every global flag, before the command', (t) => {
  for (const [name, f] of optionalGlobals) for (const tokens of spellings(name, f)) same(t, [...tokens, 'state', 'c1']);
  same(t, [
    '--root',
    '/r',
    '--log=/l',
    '--log-format',
    'json',
    '--debug',
    '--systemd-cgroup',
    'kill',
    '-a',
    'c1',
    'KILL',
  ]);
  t.end();
});

t.test('both refuse an unknown flag and a flag without its value', (t) => {
  const bad = [
    ['state', '--bogus', 'c1'],
    ['--bogus', 'state', 'c1'],
    ['kill', '-z', 'c1'],
    ['exec', '--bogus', 'c1', 'ls'],
    ['list', '--format'],
    ['exec', '-u'],
  ];
  for (const argv of bad) {
    t.throws(() => fast(argv), argv.join(' '));
    t.throws(() => yargsRead(argv), argv.join(' '));
  }
  t.end();
});

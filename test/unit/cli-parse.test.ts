// The command-line parser (runc's urfave/cli habits on node's parseArgs) and exec's command
// line: flags before the ID, the command after it unparsed, repeatable -e/-g/-c, runc's
// usage errors, and the ExecOptions the handler builds.
import * as path from 'node:path';
import t from 'tap';
import { commands, type CommandSpec } from '../../src/cli/commands';
import { checkExecFlagValues, execOptions } from '../../src/cli/exec-options';
import { type ParsedCommand, parseCommandArgs, parseOptions } from '../../src/cli/parse';
import { thrown } from '../helpers/thrown';

const REAL_CONFIGS = path.resolve(__dirname, '..', '..', '..', 'shared', 'configs');

function command(name: string): CommandSpec {
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) throw new Error(`no command ${name}`);
  return cmd;
}

function parsed(name: string, rest: string[]): ParsedCommand {
  const result = parseCommandArgs(command(name), rest);
  if (result === 'help') throw new Error('help');
  return result;
}

/** The command line as exec's handler turns it into ExecOptions. */
/** What the exec command's handler does with its arguments: the flag values first. */
function exec(rest: string[]) {
  const p = parsed('exec', rest);
  checkExecFlagValues(p.flags);
  return execOptions(p.positional, p.flags, p.extra);
}

t.test('repeatable string flags: every value, in order; a single flag keeps its last', (t) => {
  const flags = {
    env: { type: 'string' as const, short: 'e', multiple: true, describe: '' },
    cwd: { type: 'string' as const, describe: '' },
  };
  const r = parseOptions(['-e', 'A=1', '--env', 'B=-2', '--env=C=3', '--cwd', '/a', '--cwd', '/b'], flags, true);
  t.same(r.values.env, ['A=1', 'B=-2', 'C=3'], 'short, long with a value starting with "-", long with =');
  t.equal(r.values.cwd, '/b');
  t.same(parseOptions([], flags, true).values.env, undefined, 'none given');
  t.end();
});

t.test('exec: flags before the ID, the command after it is not parsed', (t) => {
  const p = parsed('exec', ['-e', 'A=1', '-t', 'c1', 'ls', '-la', '--cwd', '/x', '-e', 'B=2']);
  t.same(p.positional, { 'container-id': 'c1', command: undefined });
  t.same(p.extra, ['ls', '-la', '--cwd', '/x', '-e', 'B=2'], "the command's own flags pass through");
  t.same(p.flags.env, ['A=1']);
  t.equal(p.flags.tty, true);
  t.equal(p.flags.cwd, undefined);
  const dashed = parsed('exec', ['--', 'c1', '-c', 'x']);
  t.same([dashed.positional['container-id'], dashed.extra], ['c1', ['-c', 'x']], '"--" before the ID');
  t.end();
});

t.test('exec: every runc flag and short name reaches ExecOptions', (t) => {
  const opts = exec([
    '--console-socket',
    '/run/s.sock',
    '--cwd',
    '/tmp',
    '-e',
    'A=1',
    '--env',
    'B=2',
    '-t',
    '-u',
    '1000:1000',
    '-g',
    '10',
    '--additional-gids',
    '20',
    '-d',
    '--pid-file',
    '/run/p.pid',
    '--process-label',
    'lbl',
    '--apparmor',
    'prof',
    '--no-new-privs',
    '-c',
    'CAP_KILL',
    '--cap',
    'CAP_CHOWN',
    '--preserve-fds',
    '2',
    '--cgroup',
    'memory:sub',
    '--ignore-paused',
    'c1',
    'sh',
    '-c',
    'echo hi',
  ]);
  t.same(opts, {
    id: 'c1',
    request: {
      kind: 'flags',
      flags: {
        args: ['sh', '-c', 'echo hi'],
        env: ['A=1', 'B=2'],
        additionalGids: ['10', '20'],
        caps: ['CAP_KILL', 'CAP_CHOWN'],
        cwd: '/tmp',
        user: '1000:1000',
        apparmor: 'prof',
        processLabel: 'lbl',
        tty: true,
        noNewPrivs: true,
      },
    },
    detach: true,
    preserveFds: 2,
    ignorePaused: true,
    consoleSocket: '/run/s.sock',
    pidFile: '/run/p.pid',
    cgroup: 'memory:sub',
  });
  t.same(
    exec(['c1', 'true']),
    {
      id: 'c1',
      request: { kind: 'flags', flags: { args: ['true'], env: [], additionalGids: [], caps: [] } },
      detach: false,
      preserveFds: 0,
      ignorePaused: false,
    },
    'defaults: nothing set that was not given',
  );
  t.end();
});

t.test('exec --process: the file is the request; the process flags and the command are ignored', (t) => {
  const file = path.join(REAL_CONFIGS, 'podman-exec-process.json');
  const opts = exec(['-p', file, '-e', 'A=1', '--cwd', '/tmp', '-t', '-u', '5', '-d', 'c1', 'ignored', 'args']);
  t.equal(opts.request.kind, 'file');
  if (opts.request.kind === 'file') {
    t.same(opts.request.process.args, ['true'], "the file's args");
    t.equal(opts.request.process.cwd, '/', "the file's cwd");
    t.notOk(opts.request.process.env?.includes('A=1'), 'no --env');
    t.equal(opts.request.process.terminal, undefined, 'no --tty');
  }
  t.equal(opts.detach, true, 'the non-process flags still count');
  t.same(exec(['--process', file, 'c1']).request.kind, 'file', 'no command needed');
  t.end();
});

t.test("exec: runc's usage errors", (t) => {
  const cases: [string[], string][] = [
    [[], '"exec" requires a minimum of 1 argument(s)'],
    [['-t'], '"exec" requires a minimum of 1 argument(s)'],
    [['c1'], 'exec args cannot be empty'],
    [['-e', 'A=1', 'c1'], 'exec args cannot be empty'],
    [['--preserve-fds', 'x', 'c1', 'ls'], 'invalid value "x" for flag --preserve-fds'],
    [
      ['-g', 'abc', 'c1', 'ls'],
      'invalid value "abc" for flag --additional-gids: strconv.ParseInt: parsing "abc": invalid syntax',
    ],
    [
      ['-g', 'abc', '-p', '/nonexistent.json', 'c1'],
      'invalid value "abc" for flag --additional-gids: strconv.ParseInt: parsing "abc": invalid syntax',
    ],
    [['-p', '/nonexistent.json', 'c1'], '--process /nonexistent.json: no such file or directory'],
    [['--bogus', 'c1', 'ls'], "Unknown option '--bogus'"],
  ];
  for (const [rest, message] of cases) t.equal(thrown(() => exec(rest)).message, message, rest.join(' ') || '(none)');
  t.equal(parseCommandArgs(command('exec'), ['-h']), 'help');
  t.end();
});

t.test("other commands: runc's argument counts", (t) => {
  const cases: [string, string[], string][] = [
    ['start', [], '"start" requires exactly 1 argument(s)'],
    ['start', ['a', 'b'], '"start" requires exactly 1 argument(s)'],
    ['kill', [], '"kill" requires a minimum of 1 argument(s)'],
    ['kill', ['a', 'KILL', 'x'], '"kill" requires a maximum of 2 argument(s)'],
    ['list', ['x'], '"list" requires exactly 0 argument(s)'],
  ];
  for (const [name, rest, message] of cases)
    t.equal(thrown(() => parseCommandArgs(command(name), rest)).message, message, `${name} ${rest.join(' ')}`);
  t.same(parsed('kill', ['a']).positional, { 'container-id': 'a', signal: undefined });
  t.same(parsed('ps', ['a', '-ef']).extra, ['-ef']);
  t.end();
});

// Help, usage errors and shell completion through the real binary: yargs renders them from
// the command table, runc's exit statuses and tsrun's one-line error stay, and yargs is
// never evaluated on the way of a valid command.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { commands } from '../../src/cli/commands';
import { harness, repo } from '../helpers/harness';

const h = harness(t);

t.test('--help, help COMMAND, COMMAND --help and -h: every command and every flag of the table', async (t) => {
  const top = h.cli(['--help']);
  t.equal(top.code, 0);
  for (const c of commands) t.match(top.stdout, `tsrun ${c.name}`, `--help lists ${c.name}`);
  for (const c of commands) {
    const help = h.cli(['help', c.name]);
    t.equal(help.code, 0, `help ${c.name}`);
    t.match(help.stdout, `tsrun [global options] ${c.name} [options]`);
    for (const [name, f] of Object.entries(c.flags))
      t.match(help.stdout, f.short ? `-${f.short}, --${name}` : `--${name}`, `help ${c.name} lists --${name}`);
    t.equal(h.cli([c.name, '--help']).stdout, help.stdout, `${c.name} --help`);
    t.equal(h.cli([c.name, '-h']).stdout, help.stdout, `${c.name} -h`);
  }
});

t.test("usage errors: tsrun's one line first, a suggestion, runc's statuses, the usage on stdout", async (t) => {
  const cases: [string[], number, string[], RegExp | ''][] = [
    [['sate', 'c1'], 3, ['tsrun: unknown command "sate" (see tsrun --help)', 'Did you mean state?'], ''],
    [['exce', 'c1'], 3, ['tsrun: unknown command "exce" (see tsrun --help)', 'Did you mean exec?'], ''],
    [['help', 'bogus'], 3, ['tsrun: unknown command "bogus" (see tsrun --help)'], ''],
    [['events', '--stat', 'c1'], 1, ["tsrun: Unknown option '--stat'", 'Did you mean --stats?'], /^tsrun .* events /],
    [['kill', '--al', 'c1'], 1, ["tsrun: Unknown option '--al'", 'Did you mean --all?'], /^tsrun .* kill /],
    [['--rot', '/x', 'state', 'c1'], 1, ["tsrun: Unknown option '--rot'", 'Did you mean --root?'], /Commands:/],
    [['state'], 1, ['tsrun: "state" requires exactly 1 argument(s)'], /^tsrun .* state /],
    [['list', '--format'], 1, ["tsrun: Option '-f, --format <value>' argument missing"], /^tsrun .* list /],
    [['state', '--bogus', 'c1'], 1, ["tsrun: Unknown option '--bogus'"], /^tsrun .* state /],
  ];
  for (const [args, code, stderr, stdout] of cases) {
    const r = h.cli(args);
    t.equal(r.code, code, `${args.join(' ')}: exit ${code}`);
    t.equal(r.stderr, `${stderr.join('\n')}\n`, `${args.join(' ')}: stderr`);
    if (stdout === '') t.equal(r.stdout, '', `${args.join(' ')}: nothing on stdout`);
    else t.match(r.stdout, stdout, `${args.join(' ')}: the usage on stdout`);
  }
});

t.test('completion: the bash script, commands, flags and the container IDs in --root', async (t) => {
  const script = h.cli(['completion']);
  t.equal(script.code, 0);
  t.match(script.stdout, 'complete -o bashdefault -o default -F _tsrun_yargs_completions tsrun');
  // What the script runs: the words typed so far, the last one being completed.
  const complete = (...words: string[]) =>
    spawnSync(h.binary, ['--get-yargs-completions', 'tsrun', '--root', h.root, ...words], {
      encoding: 'utf8',
    })
      .stdout.split('\n')
      .filter((w) => w !== '');
  fs.mkdirSync(path.join(h.root, 'box-a'), { recursive: true });
  fs.mkdirSync(path.join(h.root, 'box-b'), { recursive: true });
  try {
    t.same(
      complete('')
        .filter((w) => !w.startsWith('-'))
        .sort(),
      [...commands.map((c) => c.name), 'completion', 'help'].sort(),
    );
    t.ok(complete('state', '').includes('box-a') && complete('state', '').includes('box-b'), 'IDs after state');
    t.notOk(complete('kill', 'box-a', '').includes('box-b'), 'no ID for the signal');
    const killFlags = complete('kill', '-');
    t.ok(killFlags.includes('--all') && killFlags.includes('-a'), "kill's flags");
    t.notOk(killFlags.includes('--root') || killFlags.includes('--a'), 'no global flag after the command, no --a');
    // The script itself, in bash, with tsrun on PATH as a user has it.
    const onPath = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-path-'));
    fs.symlinkSync(h.binary, path.join(onPath, 'tsrun'));
    const bash = spawnSync(
      'bash',
      [
        '-c',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash expansion
        'source <(tsrun completion); COMP_WORDS=(tsrun sta); COMP_CWORD=1; _tsrun_yargs_completions; echo "${COMPREPLY[@]}"',
      ],
      { encoding: 'utf8', env: { ...process.env, PATH: `${onPath}:${process.env.PATH}` } },
    );
    fs.rmSync(onPath, { recursive: true });
    t.equal(bash.stdout.trim(), 'start state', 'bash completes "sta"');
  } finally {
    fs.rmSync(path.join(h.root, 'box-a'), { recursive: true });
    fs.rmSync(path.join(h.root, 'box-b'), { recursive: true });
  }
});

t.test('a valid command never evaluates yargs; help does', async (t) => {
  // yargs' platform shim and yargs-parser call module.createRequire when they are first
  // evaluated, and nothing else in the bundle does: a preload counts those calls.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-lazy-'));
  const counts = path.join(dir, 'counts');
  const probe = path.join(dir, 'count-create-require.js');
  fs.writeFileSync(
    probe,
    `const m = require('node:module'); const fs = require('node:fs'); const real = m.createRequire; let n = 0;
m.createRequire = function (...a) { n++; return real.apply(this, a); };
process.on('exit', () => fs.appendFileSync(${JSON.stringify(counts)}, n + '\\n'));\n`,
  );
  const wrapper = path.join(dir, 'tsrun');
  fs.writeFileSync(
    wrapper,
    `#!/bin/sh\nexec ${process.execPath} --require ${probe} ${path.join(repo, 'dist', 'tsrun.cjs')} "$@"\n`,
    { mode: 0o755 },
  );
  const counted = harness(t, wrapper);
  const calls = (args: string[]) => {
    fs.rmSync(counts, { force: true });
    const r = counted.cli(args);
    return { code: r.code, calls: Number(fs.readFileSync(counts, 'utf8').trim()) };
  };
  try {
    const id = counted.id('lazy');
    const bundle = counted.bundle(id);
    t.same(calls(['run', '--bundle', bundle, id]), { code: 0, calls: 0 }, 'run');
    t.same(calls(['create', '--bundle', bundle, id]), { code: 0, calls: 0 }, 'create');
    t.same(calls(['state', id]), { code: 0, calls: 0 }, 'state');
    t.same(calls(['delete', '--force', id]), { code: 0, calls: 0 }, 'delete');
    t.same(calls(['list']), { code: 0, calls: 0 }, 'list');
    t.same(calls(['--version']), { code: 0, calls: 0 }, '--version');
    t.ok(calls(['--help']).calls > 0, '--help evaluates yargs (the probe sees it)');
    t.ok(calls(['sate', 'x']).calls > 0, 'a usage error evaluates yargs');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// `run` of a container with a terminal and no --console-socket: tsrun is its own console
// socket and proxies the pty to its caller, as runc does. Each run happens under a real
// pseudo-terminal (test/helpers/pty-run.py) that types, resizes and watches the caller's
// terminal modes.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import type { Spec } from '../../src/config/types';
import { harness } from '../helpers/harness';

const h = harness(t);

type Step =
  | { expect: string }
  | { send: string }
  | { pipe: string }
  | { resize: [number, number] }
  | { signal: number }
  | { run: string[] }
  | { termios: string };

interface Modes {
  canonical: boolean;
  echo: boolean;
  attrs: string;
}

interface PtyRun {
  output: string;
  status: number;
  /** before and after the run; running where a step recorded it. */
  termios: { before: Modes; after: Modes; running?: Modes };
}

/** A bundle whose process runs `script` under sh with a terminal. */
function ttyBundle(id: string, script: string, edit?: (s: Spec) => void): string {
  return h.bundle(id, (s) => {
    s.process!.terminal = true;
    s.process!.args = ['/bin/sh', '-c', script];
    edit?.(s);
  });
}

/** `tsrun run` of `bundle` under a new pty of rows x cols, driven by `steps`. */
function runUnderPty(
  t: Test,
  id: string,
  bundle: string,
  steps: Step[],
  opts: { rows?: number; cols?: number; pipeStdin?: boolean } = {},
): PtyRun {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const r = spawnSync(
    'python3',
    [
      path.join(__dirname, '..', 'helpers', 'pty-run.py'),
      '--rows',
      String(opts.rows ?? 24),
      '--cols',
      String(opts.cols ?? 80),
      ...(opts.pipeStdin ? ['--pipe-stdin'] : []),
      JSON.stringify(steps),
      '--',
      h.binary,
      '--root',
      h.root,
      'run',
      '--bundle',
      bundle,
      id,
    ],
    { env, encoding: 'utf8', timeout: 90_000 },
  );
  t.equal(r.status, 0, `pty helper ran to the end${r.status === 0 ? '' : `: ${r.stderr}${r.stdout}`}`);
  return JSON.parse(r.stdout) as PtyRun;
}

t.test('output, a tty, typed input and the exit status pass through; raw mode while it runs', async (t) => {
  const id = h.id('tty');
  const script = [
    'tty',
    '[ -t 0 ] && echo stdin-is-a-tty',
    'echo "size $(stty size)"',
    'echo READY',
    'read line',
    'echo "got:$line"',
    'exit 7',
  ].join('\n');
  // The caller's terminal wins over process.consoleSize.
  const bundle = ttyBundle(id, script, (s) => (s.process!.consoleSize = { height: 5, width: 6 }));
  const r = runUnderPty(t, id, bundle, [{ expect: 'READY' }, { termios: 'running' }, { send: 'hello\r' }], {
    rows: 33,
    cols: 77,
  });
  t.match(r.output, /^\/dev\/pts\/\d+\r?$/m, 'the process has a pty of the container devpts');
  t.match(r.output, /stdin-is-a-tty/, 'its stdin is a terminal');
  t.match(r.output, /size 33 77/, "the pty has the caller's window size");
  t.match(r.output, /got:hello/, 'typed input reaches the process');
  t.equal(r.status, 7, "tsrun exits with the process's status");
  t.equal(r.termios.running?.canonical, false, "the caller's terminal is raw while the container runs");
  t.equal(r.termios.running?.echo, false, 'and does not echo (the container pty does)');
  t.equal(r.termios.after.attrs, r.termios.before.attrs, "the caller's terminal modes are restored");
  t.notOk(h.stateDirExists(id), 'deleted after the run');
});

t.test('a resize of the caller terminal resizes the pty (SIGWINCH through the kernel)', async (t) => {
  const id = h.id('tty');
  // A SIGWINCH that came without a new size would print the old one.
  const script = [
    `trap 'echo "winch $(stty size)"; exit 0' WINCH`,
    'echo "size $(stty size)"',
    'echo READY',
    'while :; do sleep 0.1; done',
  ].join('\n');
  const r = runUnderPty(t, id, ttyBundle(id, script), [{ expect: 'READY' }, { resize: [40, 100] }], {
    rows: 30,
    cols: 90,
  });
  t.match(r.output, /size 30 90/, 'the first size');
  t.match(r.output, /winch 40 100/, 'the process was told of the new size, which the pty has');
  t.equal(r.status, 0);
  t.equal(r.termios.after.attrs, r.termios.before.attrs, 'modes restored');
});

t.test('stdin that is not a terminal is proxied without raw mode', async (t) => {
  const id = h.id('tty');
  const script = [
    '[ -t 0 ] && echo stdin-is-a-tty',
    'read a',
    'echo "got:$a"',
    'read b',
    'echo "got:$b"',
    'exit 3',
  ].join('\n');
  const r = runUnderPty(
    t,
    id,
    ttyBundle(id, script),
    [{ pipe: 'one\n' }, { expect: 'got:one' }, { termios: 'running' }, { pipe: 'two\n' }, { expect: 'got:two' }],
    { pipeStdin: true },
  );
  t.match(r.output, /stdin-is-a-tty/, 'the process still has a terminal');
  t.equal(r.status, 3);
  t.equal(r.termios.running?.canonical, true, "the caller's terminal stays canonical: its stdin is a pipe");
  t.equal(r.termios.running?.attrs, r.termios.before.attrs, 'its modes are untouched');
  t.equal(r.termios.after.attrs, r.termios.before.attrs);
});

t.test('output written just before the process exits is all drained', async (t) => {
  const id = h.id('tty');
  const script = `head -c 100000 /dev/zero | tr '\\0' x; echo; echo THE-END`;
  const r = runUnderPty(t, id, ttyBundle(id, script), []);
  t.equal(r.status, 0);
  t.equal(r.output.match(/x/g)?.length, 100_000, 'every byte came through');
  t.match(r.output, /THE-END/, 'the last line too');
  t.notMatch(r.output, /x\r\r\n/, 'the pty adds no carriage return of its own (ONLCR cleared)');
});

t.test('a signal to tsrun reaches the container; the terminal is restored after', async (t) => {
  const id = h.id('tty');
  const script = [`trap 'echo TERMED; exit 5' TERM`, 'echo READY', 'while :; do sleep 0.1; done'].join('\n');
  const r = runUnderPty(t, id, ttyBundle(id, script), [
    { expect: 'READY' },
    { termios: 'running' },
    { signal: 15 },
    { expect: 'TERMED' },
  ]);
  t.equal(r.status, 5);
  t.equal(r.termios.running?.canonical, false, 'raw while running');
  t.equal(r.termios.after.attrs, r.termios.before.attrs, 'modes restored');
});

t.test('a container killed by a signal: 128+N, terminal restored', async (t) => {
  const id = h.id('tty');
  const r = runUnderPty(t, id, ttyBundle(id, 'echo READY; exec sleep 1000'), [
    { expect: 'READY' },
    { termios: 'running' },
    { run: [h.binary, '--root', h.root, 'kill', id, 'KILL'] },
  ]);
  t.equal(r.status, 137, '128 + SIGKILL');
  t.equal(r.termios.running?.canonical, false, 'raw while running');
  t.equal(r.termios.after.attrs, r.termios.before.attrs, 'modes restored');
});

t.test('without a caller terminal, process.consoleSize sizes the pty', async (t) => {
  const id = h.id('tty');
  const bundle = ttyBundle(id, 'echo "size $(stty size)"', (s) => (s.process!.consoleSize = { height: 21, width: 55 }));
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^size 21 55\n/, 'consoleSize applied; plain newlines on a file');
  t.equal(r.stderr, '');
});

t.test('run --detach with a terminal and no console socket is refused, leaving nothing', async (t) => {
  const id = h.id('tty');
  const r = h.cli(['run', '--detach', '--bundle', ttyBundle(id, 'true'), id]);
  t.equal(r.code, 1);
  t.match(r.stderr.trim(), /cannot allocate tty if tsrun will detach without setting console socket$/);
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  t.notOk(h.stateDirExists(id));
  t.same(h.cgroupsLeft(id), []);
});

// The terminal decisions of create and run, without a terminal: which way the pty master
// goes (terminal-options.ts) and the size the pty starts with (terminal-proxy.ts).
// test/integration/run-tty.test.ts proxies a real one.
import t from 'tap';
import type { Spec } from '../../src/config/types';
import { checkTerminalOptions } from '../../src/container/terminal-options';
import { callerWindowSize, initialWindowSize } from '../../src/container/terminal-proxy';

const spec = (terminal: boolean): Spec =>
  ({ ociVersion: '1.2.0', process: { terminal, cwd: '/', args: ['sh'] } }) as Spec;

t.test('the master goes to the console socket, to run itself, or nowhere', async (t) => {
  t.equal(checkTerminalOptions(spec(false), { foreground: true }), 'none');
  t.equal(checkTerminalOptions(spec(false), { foreground: false }), 'none');
  t.equal(checkTerminalOptions(spec(true), { consoleSocket: '/s', foreground: false }), 'console-socket');
  t.equal(checkTerminalOptions(spec(true), { consoleSocket: '/s', foreground: true }), 'console-socket');
  t.equal(checkTerminalOptions(spec(true), { foreground: true }), 'proxy', 'run in the foreground proxies it');
  t.throws(
    () => checkTerminalOptions(spec(true), { foreground: false }),
    /^cannot allocate tty if tsrun will detach without setting console socket$/,
    'create or run --detach without a console socket',
  );
  t.throws(
    () => checkTerminalOptions(spec(false), { consoleSocket: '/s', foreground: false }),
    /^cannot use console socket if tsrun will not detach or allocate tty$/,
  );
});

t.test("the caller's size comes from stderr, stdout, then stdin: the first that is a terminal", async (t) => {
  const sizes = (bound: Record<number, number>) => (fd: number) =>
    bound[fd] === undefined ? null : { rows: bound[fd], cols: bound[fd] * 2 };
  t.same(callerWindowSize(sizes({ 0: 10, 1: 11, 2: 12 })), { rows: 12, cols: 24 });
  t.same(callerWindowSize(sizes({ 0: 10, 1: 11 })), { rows: 11, cols: 22 });
  t.same(callerWindowSize(sizes({ 0: 10 })), { rows: 10, cols: 20 });
  t.equal(callerWindowSize(sizes({})), null);
});

t.test("the pty starts with the caller's size, else process.consoleSize, else none", async (t) => {
  t.same(initialWindowSize({ rows: 3, cols: 4 }, { height: 5, width: 6 }), { rows: 3, cols: 4 });
  t.same(initialWindowSize(null, { height: 5, width: 6 }), { rows: 5, cols: 6 });
  t.equal(initialWindowSize(null, { height: 0, width: 6 }), null, 'a zero dimension is ignored, as runc does');
  t.equal(initialWindowSize(null, { height: 5, width: 0 }), null);
  t.equal(initialWindowSize(null, undefined), null);
});

// process.terminal against the command line, in runc's words: a terminal needs a console
// socket to hand its master to, or `run` in the foreground, which is its own console
// socket and proxies the terminal (terminal-proxy.ts); a console socket needs a terminal.
import type { Spec } from '../config/types';
import { TsrunError } from '../errors';

/** Where the container's pty master goes: nowhere (no terminal), to --console-socket, or
 * to the runtime itself, which proxies it (`run` in the foreground). */
export type TerminalMode = 'none' | 'console-socket' | 'proxy';

export function checkTerminalOptions(
  spec: Spec,
  opts: { consoleSocket?: string | undefined; foreground: boolean },
): TerminalMode {
  const terminal = spec.process?.terminal === true;
  if (terminal && !opts.consoleSocket) {
    if (opts.foreground) return 'proxy';
    throw new TsrunError('ERR_TSRUN_USAGE', 'cannot allocate tty if tsrun will detach without setting console socket');
  }
  if (!terminal && opts.consoleSocket)
    throw new TsrunError('ERR_TSRUN_USAGE', 'cannot use console socket if tsrun will not detach or allocate tty');
  return terminal ? 'console-socket' : 'none';
}

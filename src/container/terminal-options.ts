// process.terminal against the command line, in runc's words: a terminal needs a console
// socket to hand its master to (or `run` in the foreground, which tsrun does not proxy
// yet), and a console socket needs a terminal.
import type { Spec } from '../config/types';
import { TsrunError } from '../errors';

export function checkTerminalOptions(
  spec: Spec,
  opts: { consoleSocket?: string | undefined; foreground: boolean },
): void {
  const terminal = spec.process?.terminal === true;
  if (terminal && !opts.consoleSocket) {
    throw new TsrunError(
      'ERR_TSRUN_USAGE',
      opts.foreground
        ? 'process.terminal: a terminal for `run` without --console-socket is not supported yet'
        : 'cannot allocate tty if tsrun will detach without setting console socket',
    );
  }
  if (!terminal && opts.consoleSocket)
    throw new TsrunError('ERR_TSRUN_USAGE', 'cannot use console socket if tsrun will not detach or allocate tty');
}

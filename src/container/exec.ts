// `exec`: run a new process in a running container. A stub until the joining half lands
// (the addon's join mode, the sync ladder, waiting, signals, terminal).
import { TsrunError } from '../errors';
import type { RuntimeContext } from './context';
import type { ExecOptions } from './exec-request';

export function execContainer(ctx: RuntimeContext, opts: ExecOptions): number | Promise<number> {
  void ctx;
  void opts;
  throw new TsrunError('ERR_TSRUN_USAGE', 'exec: not implemented yet');
}

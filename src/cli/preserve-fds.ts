// --preserve-fds N, for create, run and exec: a count, in urfave/cli's words when it is not.
import { TsrunError } from '../errors';

export function parsePreserveFds(value: unknown): number {
  const text = String(value ?? '0');
  if (!/^[0-9]+$/.test(text))
    throw new TsrunError('ERR_TSRUN_USAGE', `invalid value "${text}" for flag --preserve-fds`);
  return Number(text);
}

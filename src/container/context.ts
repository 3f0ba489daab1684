// What every command gets from the global flags, built once and passed explicitly.
import type { Logger } from '../log/logger';
import { StateStore } from '../state/store';

export interface RuntimeContext {
  store: StateStore;
  logger: Logger;
  systemdCgroup: boolean;
  debug: boolean;
}

export function makeContext(root: string, logger: Logger, systemdCgroup: boolean, debug: boolean): RuntimeContext {
  return { store: new StateStore(root), logger, systemdCgroup, debug };
}

// `state`: the OCI state document, as runc prints it (indented JSON).
import type { RuntimeContext } from '../container/context';
import { containerStatus, stateDocument } from '../container/status';
import { OCI_VERSION } from '../container/version';
import { json } from './render';

export function showState(ctx: RuntimeContext, id: string): string {
  const record = ctx.store.load(id);
  if (!record) return json({ ociVersion: OCI_VERSION, id, pid: 0, status: 'creating', bundle: '' });
  return json(stateDocument(record, containerStatus(ctx.store, record)));
}

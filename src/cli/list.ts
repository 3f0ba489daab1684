// `list`: every container under --root, as runc's table, JSON array or bare IDs. One it
// cannot load is skipped with a warning, as runc does ("load container ID: ...").
import type { RuntimeContext } from '../container/context';
import { containerStatus, stateDocument } from '../container/status';
import type { TsrunError } from '../errors';
import { table } from './render';

export function listContainers(ctx: RuntimeContext, format: 'table' | 'json', quiet: boolean): string {
  const docs: Record<string, unknown>[] = [];
  for (const id of ctx.store.list()) {
    let record: ReturnType<typeof ctx.store.load>;
    try {
      record = ctx.store.load(id);
    } catch (err) {
      // Removed meanwhile: nothing to say. Unreadable: say so.
      if ((err as TsrunError).code !== 'ERR_TSRUN_NOT_FOUND')
        ctx.logger.warn(`load container ${id}: ${(err as Error).message}`);
      continue;
    }
    if (record) docs.push(stateDocument(record, containerStatus(ctx.store, record)));
  }
  if (quiet) return docs.map((d) => `${String(d.id)}\n`).join('');
  // runc prints Go's nil slice, "null", when there is nothing to list.
  if (format === 'json') return docs.length === 0 ? 'null\n' : `${JSON.stringify(docs)}\n`;
  const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
  for (const d of docs)
    rows.push([
      String(d.id),
      String(d.pid),
      String(d.status),
      String(d.bundle),
      String(d.created),
      String(d.owner) || 'root',
    ]);
  return table(rows);
}

// `ps`: the processes of the container's cgroup, as runc prints them: a JSON array of pids,
// or the host's `ps` (its options given after the ID, -ef by default) cut down to the
// header and the lines of those pids, the PID column found by its title.
import { spawnSync } from 'node:child_process';
import { cgroupPids, hostCgroupFs } from '../cgroups/manager';
import { TsrunError } from '../errors';
import type { RuntimeContext } from './context';

/** Pids in the container's cgroups; the container's lock is not taken (runc takes none). */
export function containerPids(ctx: RuntimeContext, id: string): number[] {
  return cgroupPids(hostCgroupFs, ctx.store.require(id).cgroup);
}

/** runc's JSON: Go's nil slice prints "null". */
export function pidsJson(pids: number[]): string {
  return `${pids.length === 0 ? 'null' : JSON.stringify(pids)}\n`;
}

/** The header and the lines whose PID column is one of `pids` (runc's ps.go). */
export function filterPsTable(output: string, pids: number[]): string {
  const lines = output.split('\n');
  const header = lines[0] ?? '';
  const pidIndex = header.trim().split(/\s+/).indexOf('PID');
  if (pidIndex < 0) throw new TsrunError('ERR_TSRUN_SYSCALL', "couldn't find PID field in ps output");
  const wanted = new Set(pids);
  const kept = [header];
  for (const line of lines.slice(1)) {
    if (line.length === 0) continue;
    const field = line.trim().split(/\s+/)[pidIndex] ?? '';
    if (!/^-?[0-9]+$/.test(field))
      throw new TsrunError(
        'ERR_TSRUN_SYSCALL',
        `unable to parse pid: strconv.Atoi: parsing "${field}": invalid syntax`,
      );
    if (wanted.has(Number(field))) kept.push(line);
  }
  return `${kept.join('\n')}\n`;
}

/** Run the host's ps with `psArgs` (default -ef) and keep the container's lines. */
export function psTable(pids: number[], psArgs: string[]): string {
  const args = psArgs.length > 0 ? psArgs : ['-ef'];
  const r = spawnSync('ps', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new TsrunError('ERR_TSRUN_SYSCALL', `exec: "ps": ${r.error.message}`, { cause: r.error });
  const output = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new TsrunError('ERR_TSRUN_SYSCALL', `exit status ${r.status}: ${output.trim()}`);
  return filterPsTable(r.stdout, pids);
}

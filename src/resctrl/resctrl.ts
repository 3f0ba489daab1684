// linux.intelRdt on a resctrl filesystem (runtime-spec config-linux.md "IntelRdt"): which
// group the container joins (its CLOS directory: closID, "/" for the root, else one named
// after the container and removed at delete), the schemata written there (l3CacheSchema,
// memBwSchema, then schemata[], in that order), the pid added to its tasks, and a MON group
// mon_groups/<id> for enableMonitoring. Everything works on a resctrl root path, so a
// fake tree in a tmpdir stands in for the kernel in test/unit/resctrl.test.ts.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../config/types';
import { nodeErrorText } from '../errno';
import { TsrunError } from '../errors';
import { parseMountinfo } from '../sys/proc';

type IntelRdt = NonNullable<NonNullable<Spec['linux']>['intelRdt']>;

/** The two calls where resctrl is not a plain filesystem: mkdir makes a group with its
 * files (schemata, tasks, mon_groups/), rmdir removes one that still holds them. */
export interface ResctrlDirs {
  mkdir(path: string): void;
  rmdir(path: string): void;
}

const kernelDirs: ResctrlDirs = { mkdir: (path) => mkdirSync(path), rmdir: (path) => rmdirSync(path) };

/** What delete removes: the MON group, and the CLOS directory when create made it. */
export interface RdtRecord {
  /** Absolute directory of the CTRL_MON group the container joined. */
  group: string;
  /** create made `group` (no closID): delete removes it. */
  removeGroup: boolean;
  /** Absolute mon_groups/<id> directory, or null without enableMonitoring. */
  monGroup: string | null;
}

/** Mount point of the first resctrl filesystem in a mountinfo text, or null. */
export function findResctrlMount(mountinfo: string): string | null {
  return parseMountinfo(mountinfo).find((m) => m.fstype === 'resctrl')?.mountPoint ?? null;
}

/** The runtime's resctrl mount (its mount namespace is the one the spec means), or null. */
export function hostResctrlMount(): string | null {
  try {
    return findResctrlMount(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return null;
  }
}

/** The schemata lines in the order the spec asks them written. */
export function schemataLines(rdt: IntelRdt): string[] {
  return [rdt.l3CacheSchema, rdt.memBwSchema, ...(rdt.schemata ?? [])].filter(
    (line): line is string => line !== undefined && line !== '',
  );
}

/** What is wrong with a closID or schemata line as resctrl would take it, or undefined:
 * a closID names one directory (or "/"), and a line is one line. [field, problem]. */
export function intelRdtProblem(rdt: IntelRdt): [string, string] | undefined {
  const clos = rdt.closID;
  if (clos !== undefined && clos !== '/' && (clos === '' || clos === '.' || clos === '..' || clos.includes('/')))
    return ['closID', `must be "/" or one directory name, got ${JSON.stringify(clos)}`];
  for (const field of ['l3CacheSchema', 'memBwSchema'] as const)
    if (rdt[field]?.includes('\n')) return [field, 'must not contain a newline'];
  const lines = rdt.schemata ?? [];
  for (let i = 0; i < lines.length; i++)
    if (lines[i]!.includes('\n')) return [`schemata[${i}]`, 'must not contain a newline'];
  return undefined;
}

/** The lines of `wanted` that the group's schemata file does not hold (whitespace aside). */
function missingLines(schemataFile: string, wanted: string[]): string[] {
  const norm = (line: string) => line.replace(/\s+/g, '');
  const have = new Set(schemataFile.split('\n').map(norm));
  return wanted.filter((line) => !have.has(norm(line)));
}

/**
 * Puts `pid` in the container's resctrl group under `root`, making what the spec says to
 * make. Throws an Error saying what failed; what it made before is undone by the caller
 * with removeRdt(the returned record), so the record is handed over as it grows.
 */
export function applyRdt(
  root: string,
  rdt: IntelRdt,
  containerId: string,
  pid: number,
  made: (r: RdtRecord) => void,
  dirs: ResctrlDirs = kernelDirs,
): RdtRecord {
  const lines = schemataLines(rdt);
  const clos = rdt.closID ?? containerId;
  const group = clos === '/' ? root : join(root, clos);
  const record: RdtRecord = { group, removeGroup: false, monGroup: null };
  if (rdt.closID === undefined || !existsSync(group)) {
    if (rdt.closID !== undefined && lines.length === 0)
      throw new Error(`linux.intelRdt.closID: no pre-configured group ${group}`);
    dirs.mkdir(group);
    record.removeGroup = rdt.closID === undefined;
    made(record);
    // One write: resctrl parses it line by line, and each open truncates.
    if (lines.length > 0) writeFileSync(join(group, 'schemata'), `${lines.join('\n')}\n`);
  } else if (lines.length > 0) {
    // An existing group is shared: it must already say what this container asks.
    const differ = missingLines(readFileSync(join(group, 'schemata'), 'utf8'), lines);
    if (differ.length > 0)
      throw new Error(`linux.intelRdt: the schemata of ${group} do not hold ${JSON.stringify(differ[0])}`);
  }
  writeFileSync(join(group, 'tasks'), String(pid));
  if (rdt.enableMonitoring) {
    const monGroup = join(group, 'mon_groups', containerId);
    dirs.mkdir(monGroup);
    record.monGroup = monGroup;
    made(record);
    writeFileSync(join(monGroup, 'tasks'), String(pid));
  }
  return record;
}

/** Removes what applyRdt made: the MON group, then the CLOS directory when it was made
 * for this container (rmdir on resctrl moves the remaining tasks to the parent group). */
export function removeRdt(record: RdtRecord, dirs: ResctrlDirs = kernelDirs): void {
  if (record.monGroup && existsSync(record.monGroup)) dirs.rmdir(record.monGroup);
  if (record.removeGroup && existsSync(record.group)) dirs.rmdir(record.group);
}

/** create's step: the cloned child (whose later children inherit its group) joins the
 * resctrl group of linux.intelRdt; each group made is handed to `undo` at once. */
export function joinResctrl(
  rdt: IntelRdt,
  containerId: string,
  pid: number,
  undo: { push(what: string, run: () => void): void },
): RdtRecord {
  const root = hostResctrlMount();
  if (root === null) throw new TsrunError('ERR_TSRUN_CONFIG', 'linux.intelRdt: resctrl is not mounted on this host');
  let undoing = false;
  try {
    return applyRdt(root, rdt, containerId, pid, (made) => {
      if (!undoing) undo.push('remove resctrl groups', () => removeRdt(made));
      undoing = true;
    });
  } catch (err) {
    const path = (err as NodeJS.ErrnoException).path;
    const why = path ? `${path}: ${nodeErrorText(err)}` : nodeErrorText(err);
    throw new TsrunError('ERR_TSRUN_SYSCALL', `linux.intelRdt: ${why}`, { cause: err });
  }
}

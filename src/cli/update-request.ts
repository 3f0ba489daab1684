// What `tsrun update` is asked to change: a linux.resources object, from --resources (a
// file, or "-" for stdin; validated against the schema) or from runc's single flags, each
// with runc's value syntax. As in runc, --resources wins: the single flags are then unused.
// Every value keeps where it came from, so an error later names the flag or JSON path.
import { readFileSync } from 'node:fs';
import type { Resources } from '../config/types';
import { findJsonSyntaxError } from '../config/json-syntax';
import { validateResourcesSchema } from '../config/validate';
import { nodeErrorText } from '../errno';
import { TsrunError } from '../errors';
import { parseRamSize } from './ram-size';
import type { Flags } from './commands';
import { updateFlags } from './update-flags';

export interface UpdateRequest {
  resources: Resources;
  /** Names the source of a field ("memory.limit"): the flag, or the --resources path. */
  label(field: string): string;
  /** Whether single flags were given beside --resources (they are unused then). */
  flagsUnused: boolean;
}

function invalid(flag: string, problem: string): TsrunError {
  return new TsrunError('ERR_TSRUN_USAGE', `invalid value for --${flag}: ${problem}`);
}

/** Go's strconv.ParseInt/ParseUint in base 10, within what a JS number holds exactly. */
function integer(flag: string, text: string, signed: boolean): number {
  const pattern = signed ? /^[+-]?\d+$/ : /^\+?\d+$/;
  if (!pattern.test(text)) throw invalid(flag, `"${text}" is not ${signed ? 'an' : 'a non-negative'} integer`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw invalid(flag, `"${text}" is out of range`);
  return n;
}

function memorySize(flag: string, text: string): number {
  if (text === '-1') return -1;
  const size = parseRamSize(text);
  if (typeof size !== 'number') throw invalid(flag, size.problem);
  return size;
}

/** The single flags -> resources (runc's update.go: an empty string leaves a field unset). */
function fromFlags(flags: Flags): { resources: Resources; labels: Map<string, string> } {
  const labels = new Map<string, string>();
  const given = (flag: string, field: string): string | undefined => {
    const v = flags[flag];
    if (typeof v !== 'string' || v === '') return undefined;
    labels.set(field, `--${flag}`);
    return v;
  };
  const memory: NonNullable<Resources['memory']> = {};
  const cpu: NonNullable<Resources['cpu']> = {};
  const r: Resources = {};
  const weight = given('blkio-weight', 'blockIO.weight');
  if (weight !== undefined) {
    const n = integer('blkio-weight', weight, false);
    if (n > 65535) throw invalid('blkio-weight', `"${weight}" is out of range`);
    if (n !== 0) r.blockIO = { weight: n }; // runc: 0 is "not given"
  }
  const cpus = given('cpuset-cpus', 'cpu.cpus');
  if (cpus !== undefined) cpu.cpus = cpus;
  const mems = given('cpuset-mems', 'cpu.mems');
  if (mems !== undefined) cpu.mems = mems;
  const unsigned = [
    ['cpu-burst', 'burst'],
    ['cpu-period', 'period'],
    ['cpu-rt-period', 'realtimePeriod'],
    ['cpu-share', 'shares'],
  ] as const;
  const signed = [
    ['cpu-quota', 'quota'],
    ['cpu-rt-runtime', 'realtimeRuntime'],
    ['cpu-idle', 'idle'],
  ] as const;
  for (const [flag, field] of unsigned) {
    const v = given(flag, `cpu.${field}`);
    if (v !== undefined) cpu[field] = integer(flag, v, false);
  }
  for (const [flag, field] of signed) {
    const v = given(flag, `cpu.${field}`);
    if (v !== undefined) cpu[field] = integer(flag, v, true);
  }
  const sizes = [
    ['memory', 'limit'],
    ['memory-swap', 'swap'],
    ['kernel-memory', 'kernel'],
    ['kernel-memory-tcp', 'kernelTCP'],
    ['memory-reservation', 'reservation'],
  ] as const;
  for (const [flag, field] of sizes) {
    const v = given(flag, `memory.${field}`);
    if (v !== undefined) memory[field] = memorySize(flag, v);
  }
  const pids = given('pids-limit', 'pids.limit');
  if (pids !== undefined) r.pids = { limit: integer('pids-limit', pids, true) };
  if (Object.keys(memory).length > 0) r.memory = memory;
  if (Object.keys(cpu).length > 0) r.cpu = cpu;
  return { resources: r, labels };
}

function readResourcesFile(file: string): Resources {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new TsrunError(
      'ERR_TSRUN_CONFIG',
      `--resources: read ${file === '-' ? 'stdin' : file}: ${nodeErrorText(err)}`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const where = findJsonSyntaxError(text);
    throw new TsrunError(
      'ERR_TSRUN_CONFIG',
      where
        ? `--resources: invalid JSON at line ${where.line}, column ${where.column}: ${where.problem}`
        : `--resources: invalid JSON: ${(err as Error).message}`,
    );
  }
  validateResourcesSchema(doc, '--resources');
  return doc;
}

/** runc refuses Intel RDT updates where RDT is not enabled; tsrun has no RDT at all. */
function refuseIntelRdt(flags: Flags): void {
  if (flags['l3-cache-schema'])
    throw new TsrunError('ERR_TSRUN_CONFIG', 'Intel RDT/CAT: l3 cache schema is not enabled');
  if (flags['mem-bw-schema'])
    throw new TsrunError('ERR_TSRUN_CONFIG', 'Intel RDT/MBA: memory bandwidth schema is not enabled');
}

export function updateRequest(flags: Flags): UpdateRequest {
  const file = flags.resources;
  if (typeof file === 'string' && file !== '') {
    const resources = readResourcesFile(file);
    refuseIntelRdt(flags);
    const flagsUnused = Object.keys(flags).some(
      (f) =>
        f in updateFlags && !['resources', 'l3-cache-schema', 'mem-bw-schema'].includes(f) && flags[f] !== undefined,
    );
    return { resources, label: (field) => `--resources: ${field}`, flagsUnused };
  }
  const { resources, labels } = fromFlags(flags);
  refuseIntelRdt(flags);
  return { resources, label: (field) => labels.get(field) ?? field, flagsUnused: false };
}

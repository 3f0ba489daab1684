// Reading ROOT/ID/state.json and cleanup.json back. The text must be JSON and every field
// the commands use must have its type; otherwise one line names the file and what is wrong
// (`/run/tsrun/c1/state.json: pid: must be a positive integer`). salvage() keeps the fields
// that are still good, for delete --force.
import { findJsonSyntaxError } from '../config/json-syntax';
import { TsrunError } from '../errors';
import { CLEANUP_VERSION, type CleanupRecord, type ContainerRecord, STATE_VERSION } from './types';

type Json = Record<string, unknown>;
type Check = (v: unknown) => boolean;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString: Check = (v) => typeof v === 'string';
const isBoolean: Check = (v) => typeof v === 'boolean';
const isCount: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const isPid: Check = (v) => Number.isSafeInteger(v) && (v as number) > 0;
const isStringMap: Check = (v) => isObject(v) && Object.values(v).every(isString);
const isCgroupRecord: Check = (v) =>
  isObject(v) && isStringMap(v.paths) && Array.isArray(v.created) && v.created.every(isString);

type Field<T> = [name: keyof T & string, check: Check, rule: string];

const STRING = 'must be a string';
const BOOLEAN = 'must be true or false';
const CGROUP = 'must be {"paths": {KEY: DIR}, "created": [DIR]}';

const recordFields: Field<ContainerRecord>[] = [
  ['version', isCount, 'must be a number'],
  ['id', isString, STRING],
  ['ociVersion', isString, STRING],
  ['bundle', isString, STRING],
  ['rootfs', isString, STRING],
  ['pid', isPid, 'must be a positive integer'],
  ['startTime', isCount, 'must be a non-negative integer'],
  ['created', isString, STRING],
  ['owner', isString, STRING],
  ['annotations', isStringMap, 'must be an object of strings'],
  ['cgroup', isCgroupRecord, CGROUP],
  ['hasPidNamespace', isBoolean, BOOLEAN],
  ['hasMountNamespace', isBoolean, BOOLEAN],
  ['hasProcess', isBoolean, BOOLEAN],
];

const isStringList: Check = (v) => Array.isArray(v) && v.every(isString);
const isHook: Check = (v) =>
  isObject(v) &&
  isString(v.path) &&
  (v.args === undefined || isStringList(v.args)) &&
  (v.env === undefined || isStringList(v.env)) &&
  (v.timeout === undefined || isPid(v.timeout));
const isHookList: Check = (v) => v === undefined || (Array.isArray(v) && v.every(isHook));
const isRecordedHooks: Check = (v) => isObject(v) && isHookList(v.poststart) && isHookList(v.poststop);
// The process and seccomp objects were schema-checked by create; here only their shape.
const isExecRecord: Check = (v) =>
  isObject(v) &&
  (v.process === null || isObject(v.process)) &&
  (v.seccomp === undefined || isObject(v.seccomp)) &&
  (v.memoryPolicy === undefined || isObject(v.memoryPolicy)) &&
  (v.personality === undefined || isObject(v.personality)) &&
  isStringList(v.namespaces) &&
  isBoolean(v.noNewKeyring);

/** Fields a record may lack (written by an older tsrun), checked when present. */
const optionalFields: Field<ContainerRecord>[] = [
  ['resources', isObject, 'must be an object'],
  ['hooks', isRecordedHooks, 'must be {"poststart": [HOOK], "poststop": [HOOK]}'],
  [
    'exec',
    isExecRecord,
    'must be {"process": PROCESS|null, "seccomp"?: SECCOMP, "memoryPolicy"?: POLICY, "namespaces": [TYPE], "noNewKeyring": BOOL}',
  ],
  ['startContainerHooks', (v) => v === true, 'must be true when present'],
  [
    'intelRdt',
    (v) =>
      isObject(v) && isString(v.group) && isBoolean(v.removeGroup) && (v.monGroup === null || isString(v.monGroup)),
    'must be {"group": DIR, "removeGroup": BOOL, "monGroup": DIR|null}',
  ],
];

const cleanupFields: Field<CleanupRecord>[] = [
  ['version', isCount, 'must be a number'],
  ['id', isString, STRING],
  ['cgroup', isCgroupRecord, CGROUP],
  ['cgroupInodes', isStringMap, 'must be an object of strings'],
  ['rootfs', isString, STRING],
  ['hasMountNamespace', isBoolean, BOOLEAN],
];

function corrupt(file: string, problem: string): TsrunError {
  return new TsrunError('ERR_TSRUN_CORRUPT_STATE', `${file}: ${problem}`);
}

function parseObject(text: string, file: string): Json {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const where = findJsonSyntaxError(text);
    throw corrupt(
      file,
      where
        ? `invalid JSON at line ${where.line}, column ${where.column}: ${where.problem}`
        : `invalid JSON: ${(err as Error).message}`,
    );
  }
  if (!isObject(doc)) throw corrupt(file, 'must hold a JSON object');
  return doc;
}

function checked<T>(
  text: string,
  file: string,
  id: string,
  version: number,
  fields: Field<T>[],
  optional: Field<T>[],
): T {
  const doc = parseObject(text, file);
  if (isCount(doc.version) && doc.version !== version)
    throw corrupt(file, `written by an incompatible tsrun (version ${String(doc.version)})`);
  for (const [name, check, rule] of fields) if (!check(doc[name])) throw corrupt(file, `${name}: ${rule}`);
  if (doc.id !== id) throw corrupt(file, `id: is "${String(doc.id)}", not the directory's name "${id}"`);
  for (const [name, check, rule] of optional)
    if (doc[name] !== undefined && !check(doc[name])) throw corrupt(file, `${name}: ${rule}`);
  return doc as T;
}

/** state.json's text -> the record; throws ERR_TSRUN_CORRUPT_STATE naming `file`. */
export function parseRecord(text: string, file: string, id: string): ContainerRecord {
  return checked(text, file, id, STATE_VERSION, recordFields, optionalFields);
}

/** cleanup.json's text -> the record; throws ERR_TSRUN_CORRUPT_STATE naming `file`. */
export function parseCleanup(text: string, file: string, id: string): CleanupRecord {
  return checked(text, file, id, CLEANUP_VERSION, cleanupFields, []);
}

/** The fields of a state.json that parseRecord refused which still have their type: none
 * when the text is not a JSON object, or was written for another container. */
export function salvageRecord(text: string, id: string): Partial<ContainerRecord> {
  let doc: Json;
  try {
    doc = parseObject(text, '');
  } catch {
    return {};
  }
  if (doc.id !== id || (doc.version !== undefined && doc.version !== STATE_VERSION)) return {};
  const kept: Json = {};
  for (const [name, check] of [...recordFields, ...optionalFields]) if (check(doc[name])) kept[name] = doc[name];
  return kept as Partial<ContainerRecord>;
}

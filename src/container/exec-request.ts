// What `exec` is asked to run, before anything touches the container: the `--process` file
// read and checked, or runc's command-line form (a copy of the container's process with the
// flags applied), then runc's validateProcessSpec. Pure except for reading the file.
//
// runc's rules (exec.go getProcess, libcontainer newInitConfig):
// - With --process the file is the whole process: the other process flags and the command
//   after the ID are ignored. What it leaves out comes from the container: capabilities,
//   rlimits (also when empty), apparmor and SELinux labels, as runc does; noNewPrivileges and
//   the umask too (runc: false and always the container's; here the container's unless the
//   file says, as issue 9 asks: an exec never gets less confinement than the container).
// - Without it: the container's process, args replaced, --cwd overriding, --env appended,
//   terminal only with --tty, --cap added to bounding, effective and permitted (and ambient
//   only when the container's process has an inheritable list), --user uid[:gid] and
//   --additional-gids numbers.
import { readFileSync } from 'node:fs';
import { parseConfigJson } from '../config/load';
import { CAPABILITIES } from '../config/linux-names';
import { envEntryProblem } from '../config/process-rules';
import { checkProcess } from '../config/semantics';
import type { Process } from '../config/types';
import { validateProcessSchema } from '../config/validate';
import { nodeErrorText } from '../errno';
import { ConfigError, TsrunError } from '../errors';

export interface ExecFlags {
  /** The command after the container ID. */
  args: string[];
  cwd?: string;
  env: string[];
  /** `uid[:gid]`, numbers only. */
  user?: string;
  additionalGids: string[];
  caps: string[];
  noNewPrivs?: boolean;
  tty?: boolean;
  apparmor?: string;
  processLabel?: string;
}

type Capabilities = NonNullable<Process['capabilities']>;

export type ExecRequest = { kind: 'file'; process: Process } | { kind: 'flags'; flags: ExecFlags };

export interface ExecOptions {
  id: string;
  request: ExecRequest;
  consoleSocket?: string;
  pidFile?: string;
  detach: boolean;
  preserveFds: number;
  ignorePaused: boolean;
  /** --cgroup, passed through as given (runc: `[controller:]path`, a sub-cgroup). */
  cgroup?: string;
}

// Neither SELinux nor a host with it is supported: runc's words for a label it cannot apply.
const SELINUX_OFF = 'selinux label is specified, but selinux is disabled or not supported';
// 2^32-1 is (uid_t)-1, "leave unchanged" to setresuid(2): never a real id.
const MAX_ID = 0xfffffffe;

function usage(message: string): TsrunError {
  return new TsrunError('ERR_TSRUN_USAGE', message);
}

/** `--process FILE`: parsed, schema-checked and checked as config.json's process is; every
 * error is one line naming the flag and the file: `--process p.json: process.args: must not be empty`. */
export function loadProcessFile(file: string): Process {
  const label = `--process ${file}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'ERR_TSRUN_NOT_FOUND' : 'ERR_TSRUN_CONFIG';
    throw new TsrunError(code, `${label}: ${nodeErrorText(error)}`, { cause: error });
  }
  const doc = parseConfigJson(text, label);
  try {
    validateProcessSchema(doc);
    checkProcess(doc);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const where = error.jsonPath ? `${error.jsonPath}: ` : '';
    throw new TsrunError('ERR_TSRUN_CONFIG', `${label}: ${where}${error.problem}`);
  }
  return doc;
}

/** The process an exec runs, from the container's process at create time (`defaults`, null
 * when config.json had none) and the request. Throws one line for what runc refuses. */
export function resolveExecProcess(defaults: Process | null, request: ExecRequest): Process {
  if (request.kind === 'file') {
    checkRequestedProcess(request.process, 'process.cwd', 'process.args');
    if (request.process.selinuxLabel) throw new TsrunError('ERR_TSRUN_CONFIG', `process.selinuxLabel: ${SELINUX_OFF}`);
    return withContainerConfinement(request.process, defaults);
  }
  const { flags } = request;
  if (flags.args.length === 0) throw usage('exec args cannot be empty');
  if (!defaults)
    throw new TsrunError(
      'ERR_TSRUN_CONFIG',
      "the container's config.json had no process to take exec defaults from: give one with --process",
    );
  if (flags.processLabel) throw usage(`--process-label: ${SELINUX_OFF}`);
  const process = applyFlags(structuredClone(defaults), flags);
  checkRequestedProcess(process, '--cwd', 'exec args');
  return process;
}

/** runc's validateProcessSpec: cwd given and absolute, args not empty. */
function checkRequestedProcess(process: Process, cwdName: string, argsName: string): void {
  if (!process.cwd) throw usage(`${cwdName}: must not be empty`);
  if (!process.cwd.startsWith('/'))
    throw usage(`${cwdName}: must be an absolute path, got ${JSON.stringify(process.cwd)}`);
  if (!process.args || process.args.length === 0) throw usage(`${argsName}: must not be empty`);
}

function applyFlags(process: Process, flags: ExecFlags): Process {
  process.args = [...flags.args];
  if (flags.cwd) process.cwd = flags.cwd;
  if (flags.apparmor) process.apparmorProfile = flags.apparmor;
  if (flags.caps.length > 0) process.capabilities = withAddedCaps(process.capabilities ?? {}, flags.caps);
  for (const entry of flags.env) {
    const problem = envEntryProblem(entry);
    if (problem) throw usage(`--env ${JSON.stringify(entry)}: ${problem}`);
  }
  process.env = [...(process.env ?? []), ...flags.env];
  process.terminal = flags.tty === true;
  if (flags.noNewPrivs) process.noNewPrivileges = true;
  if (flags.user) process.user = { ...process.user, ...parseUser(flags.user) };
  if (flags.additionalGids.length > 0) {
    const gids = parseAdditionalGids(flags.additionalGids);
    process.user = { ...process.user, additionalGids: [...(process.user?.additionalGids ?? []), ...gids] };
  }
  return process;
}

function withAddedCaps(had: Capabilities, caps: string[]): Capabilities {
  const out = structuredClone(had);
  const add = (set: keyof Capabilities, cap: string): void => {
    const list = out[set] ?? [];
    if (!list.includes(cap)) list.push(cap);
    out[set] = list;
  };
  for (const cap of caps) {
    if (!CAPABILITIES.includes(cap)) throw usage(`--cap: unknown capability ${JSON.stringify(cap)}`);
    add('bounding', cap);
    add('effective', cap);
    add('permitted', cap);
    // Ambient needs inheritable, which --cap does not add: only where the container has a list.
    if (had.inheritable !== undefined) add('ambient', cap);
  }
  return out;
}

/** A uid or gid as runc's strconv.Atoi reads it (the words of its error), in range. */
function parseId(text: string, what: 'uid' | 'gid'): number {
  if (!/^[+-]?[0-9]+$/.test(text))
    throw usage(`bad ${what}: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  const value = Number(text);
  if (!(value >= 0 && value <= MAX_ID)) throw usage(`bad ${what}: ${text} is out of range (0 to ${MAX_ID})`);
  return value;
}

function parseUser(text: string): { uid: number; gid?: number } {
  const colon = text.indexOf(':');
  if (colon === -1) return { uid: parseId(text, 'uid') };
  // runc reads the gid first, so "x:y" is a bad gid.
  const gid = parseId(text.slice(colon + 1), 'gid');
  return { uid: parseId(text.slice(0, colon), 'uid'), gid };
}

/** --additional-gids values as numbers; runc's words (urfave/cli's Int64Slice, then its sign check). */
export function parseAdditionalGids(texts: string[]): number[] {
  return texts.map((text) => {
    if (!/^[+-]?[0-9]+$/.test(text))
      throw usage(
        `invalid value ${JSON.stringify(text)} for flag --additional-gids: strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`,
      );
    const value = Number(text);
    if (value < 0) throw usage(`additional-gids must be a positive number ${text}`);
    if (value > MAX_ID) throw usage(`additional-gids: ${text} is out of range (0 to ${MAX_ID})`);
    return value;
  });
}

/** runc's newInitConfig: what a --process file leaves out is the container's. */
function withContainerConfinement(process: Process, defaults: Process | null): Process {
  const out = structuredClone(process);
  if (!defaults) return out;
  if (out.capabilities === undefined && defaults.capabilities)
    out.capabilities = structuredClone(defaults.capabilities);
  if ((out.rlimits ?? []).length === 0 && defaults.rlimits) out.rlimits = structuredClone(defaults.rlimits);
  if (!out.apparmorProfile && defaults.apparmorProfile) out.apparmorProfile = defaults.apparmorProfile;
  if (!out.selinuxLabel && defaults.selinuxLabel) out.selinuxLabel = defaults.selinuxLabel;
  if (out.noNewPrivileges === undefined && defaults.noNewPrivileges !== undefined)
    out.noNewPrivileges = defaults.noNewPrivileges;
  if (out.oomScoreAdj === undefined && defaults.oomScoreAdj !== undefined) out.oomScoreAdj = defaults.oomScoreAdj;
  // runc's newInitConfig: the container's scheduler, I/O priority and exec CPU affinity
  // unless the file sets its own.
  if (out.scheduler === undefined && defaults.scheduler) out.scheduler = structuredClone(defaults.scheduler);
  if (out.ioPriority === undefined && defaults.ioPriority) out.ioPriority = structuredClone(defaults.ioPriority);
  if (out.execCPUAffinity === undefined && defaults.execCPUAffinity)
    out.execCPUAffinity = structuredClone(defaults.execCPUAffinity);
  const umask = defaults.user?.umask;
  if (out.user?.umask === undefined && umask !== undefined) out.user = { ...out.user, umask };
  return out;
}

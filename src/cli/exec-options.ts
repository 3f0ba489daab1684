// The exec command line -> ExecOptions. Flags come before the container ID; what follows it
// is the command (runc's StopOnNthArg). With --process the file is the whole process and
// the other process flags and the command are ignored, as runc ignores them.
import {
  type ExecFlags,
  type ExecOptions,
  type ExecRequest,
  loadProcessFile,
  parseAdditionalGids,
} from '../container/exec-request';
import { TsrunError } from '../errors';
import type { Flags } from './commands';
import { parsePreserveFds } from './preserve-fds';

function text(value: Flags[string]): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function list(value: Flags[string]): string[] {
  if (Array.isArray(value)) return [...value];
  return typeof value === 'string' ? [value] : [];
}

function execRequest(flags: Flags, command: string[]): ExecRequest {
  const file = text(flags.process);
  if (file !== undefined) return { kind: 'file', process: loadProcessFile(file) };
  if (command.length === 0) throw new TsrunError('ERR_TSRUN_USAGE', 'exec args cannot be empty');
  const request: ExecFlags = {
    args: command,
    env: list(flags.env),
    additionalGids: list(flags['additional-gids']),
    caps: list(flags.cap),
  };
  const cwd = text(flags.cwd);
  if (cwd !== undefined) request.cwd = cwd;
  const user = text(flags.user);
  if (user !== undefined) request.user = user;
  const apparmor = text(flags.apparmor);
  if (apparmor !== undefined) request.apparmor = apparmor;
  const processLabel = text(flags['process-label']);
  if (processLabel !== undefined) request.processLabel = processLabel;
  if (flags.tty === true) request.tty = true;
  if (flags['no-new-privs'] === true) request.noNewPrivs = true;
  return { kind: 'flags', flags: request };
}

/** The flag values runc's flag parser reads as numbers: a bad one is a usage error
 * (exit 1), found before anything else is looked at. */
export function checkExecFlagValues(flags: Flags): void {
  parsePreserveFds(flags['preserve-fds']);
  parseAdditionalGids(list(flags['additional-gids']));
}

export function execOptions(args: Record<string, string | undefined>, flags: Flags, command: string[]): ExecOptions {
  const preserveFds = parsePreserveFds(flags['preserve-fds']);
  const opts: ExecOptions = {
    id: args['container-id'] as string,
    request: execRequest(flags, command),
    detach: flags.detach === true,
    preserveFds,
    ignorePaused: flags['ignore-paused'] === true,
  };
  const consoleSocket = text(flags['console-socket']);
  if (consoleSocket !== undefined) opts.consoleSocket = consoleSocket;
  const pidFile = text(flags['pid-file']);
  if (pidFile !== undefined) opts.pidFile = pidFile;
  const cgroup = text(flags.cgroup);
  if (cgroup !== undefined) opts.cgroup = cgroup;
  return opts;
}

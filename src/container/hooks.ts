// OCI hooks that run in the runtime's namespaces (prestart, createRuntime, poststart,
// poststop), run by the runtime process itself: spawning a program from Node changes
// nothing of the runtime's own namespaces, root or credentials (DESIGN.md 1). Hooks that
// run in the container's namespaces (createContainer, startContainer) are the child's
// work (plan/container-hooks.ts, addon/src/child/hooks.cc); their state document is
// this file's, and their failures read as this file's (plan/describe.ts).
//
// As runc does: each hook gets the container's state on stdin, its output is captured and
// shown only when it fails (in the error line, and in full at debug level), a hook that
// runs past its timeout is killed with SIGKILL (the hook process only, not what it forked).
import type { SpawnSyncReturns } from 'node:child_process';
import type { Hook, Hooks } from '../config/types';
import { TsrunError } from '../errors';
import { nodeErrorText } from '../errno';
import type { Logger } from '../log/logger';

export type RuntimeHookKind = 'prestart' | 'createRuntime' | 'poststart' | 'poststop';

/** The hooks a container keeps from create time for start and delete (state.json), so a
 * config.json changed later does not matter (runtime.md lifecycle step 2). */
export interface RecordedHooks {
  poststart?: Hook[];
  poststop?: Hook[];
}

/** What of config.json's hooks state.json keeps; undefined when there is nothing to keep. */
export function recordedHooks(hooks: Hooks | undefined): RecordedHooks | undefined {
  const kept: RecordedHooks = {};
  if (hooks?.poststart?.length) kept.poststart = hooks.poststart;
  if (hooks?.poststop?.length) kept.poststop = hooks.poststop;
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/** What of the container the state document on a hook's stdin says. */
export interface HookContainer {
  ociVersion: string;
  id: string;
  bundle: string;
  annotations: Record<string, string>;
}

export type HookStatus = 'creating' | 'created' | 'running' | 'stopped';

/** The kinds the child runs in the container. */
type ContainerHookKind = 'createContainer' | 'startContainer';

/** Output shown in an error line: the end of it, on one line. */
const OUTPUT_TAIL_CHARS = 200;
/** More output than this kills the hook (spawnSync's maxBuffer): it must not fill memory. */
const OUTPUT_LIMIT_BYTES = 16 * 1024 * 1024;

/** The runtime-spec state document for a hook: `pid` is the init as the runtime sees it,
 * omitted once the container is stopped (runc's document then has none). */
export function hookStateDocument(container: HookContainer, status: HookStatus, pid: number): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    ociVersion: container.ociVersion,
    id: container.id,
    status,
  };
  if (status !== 'stopped' && pid > 0) doc.pid = pid;
  doc.bundle = container.bundle;
  if (Object.keys(container.annotations).length > 0) doc.annotations = container.annotations;
  return doc;
}

export interface HookInvocation {
  file: string;
  argv0: string;
  args: string[];
  /** Exactly the hook's env; undefined when it has none: then it inherits the runtime's
   * environment, as runc's hooks do (Go's exec with a nil Env). */
  env: Record<string, string> | undefined;
  timeoutMs: number | undefined;
}

/** `["K=V", ...]` as the object spawn takes. A later entry for the same name wins (Go's
 * exec does the same); an entry without `=` is a name with an empty value. */
function envObject(env: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of env) {
    const eq = entry.indexOf('=');
    if (eq < 0) out[entry] = '';
    else out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

/** How to run `hook`: args[0] is argv[0] (the path when args is absent or empty). */
export function hookInvocation(hook: Hook): HookInvocation {
  const args = hook.args ?? [];
  return {
    file: hook.path,
    argv0: args[0] ?? hook.path,
    args: args.slice(1),
    env: hook.env ? envObject(hook.env) : undefined,
    timeoutMs: hook.timeout !== undefined ? hook.timeout * 1000 : undefined,
  };
}

/** `hooks.poststop[1]`: where the hook is in config.json. */
export function hookName(kind: RuntimeHookKind | ContainerHookKind, index: number): string {
  return `hooks.${kind}[${index}]`;
}

/** The last characters of a hook's output, on one line: stderr, else stdout. */
export function outputTail(stdout: string, stderr: string): string {
  const text = (stderr.trim() !== '' ? stderr : stdout).trim().replace(/\s*\n\s*/g, ' | ');
  return text.length <= OUTPUT_TAIL_CHARS ? text : `...${text.slice(-OUTPUT_TAIL_CHARS)}`;
}

/** What one run of a hook says about itself, as spawnSync reports it. */
export interface HookOutcome {
  /** errno name of a failed spawn, ETIMEDOUT for the timeout, ENOBUFS for too much output */
  errorCode?: string | undefined;
  /** that error in Go's words ("no such file or directory") */
  errorText?: string | undefined;
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Why a hook failed, one line naming it; undefined when it succeeded. */
export function hookFailure(name: string, hook: Hook, outcome: HookOutcome): string | undefined {
  let what: string;
  if (outcome.errorCode === 'ETIMEDOUT') what = `ran past its timeout of ${hook.timeout} s and was killed`;
  else if (outcome.errorCode === 'ENOBUFS') what = `wrote more than ${OUTPUT_LIMIT_BYTES} bytes and was killed`;
  else if (outcome.errorCode) return `${name}: ${hook.path}: ${outcome.errorText ?? outcome.errorCode}`;
  else if (outcome.signal) what = `was killed by signal ${outcome.signal}`;
  else if (outcome.status !== 0) what = `exited with status ${outcome.status}`;
  else return undefined;
  const tail = outputTail(outcome.stdout, outcome.stderr);
  return `${name}: ${hook.path} ${what}${tail ? `: ${tail}` : ''}`;
}

function runOne(hook: Hook, state: string): HookOutcome {
  // Loaded only here: node:child_process costs start-up time to every command.
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const how = hookInvocation(hook);
  const r: SpawnSyncReturns<string> = spawnSync(how.file, how.args, {
    argv0: how.argv0,
    env: how.env,
    input: state,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: how.timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: OUTPUT_LIMIT_BYTES,
  });
  return hookOutcome(r);
}

/** spawnSync's report as a HookOutcome. A hook that exits without reading its stdin is no
 * failure (Go's exec ignores EPIPE there too): its exit status says how it went. */
export function hookOutcome(r: Omit<SpawnSyncReturns<string>, 'pid' | 'output'>): HookOutcome {
  const error = (r.error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE' ? undefined : r.error;
  return {
    errorCode: (error as NodeJS.ErrnoException | undefined)?.code,
    errorText: error ? nodeErrorText(error) : undefined,
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
  };
}

function runLogged(logger: Logger, name: string, hook: Hook, state: string): string | undefined {
  logger.debug(`${name}: running ${hook.path}`);
  const outcome = runOne(hook, state);
  if (outcome.stdout !== '') logger.debug(`${name}: stdout: ${outcome.stdout.trimEnd()}`);
  if (outcome.stderr !== '') logger.debug(`${name}: stderr: ${outcome.stderr.trimEnd()}`);
  return hookFailure(name, hook, outcome);
}

/** What a failing hook of each kind does (runtime.md): prestart and createRuntime fail the
 * operation; poststart and poststop are a warning, and the next hook still runs (lifecycle
 * steps 9 and 13; runc fails `start` on a poststart hook). */
const FAILURE_FAILS: Record<RuntimeHookKind, boolean> = {
  prestart: true,
  createRuntime: true,
  poststart: false,
  poststop: false,
};

/** Run the hooks of `kind` in order, each failure handled as its kind says (FAILURE_FAILS). */
export function runHooks(
  logger: Logger,
  kind: RuntimeHookKind,
  hooks: readonly Hook[] | undefined,
  state: Record<string, unknown>,
): void {
  if (!hooks || hooks.length === 0) return;
  const input = JSON.stringify(state);
  for (let i = 0; i < hooks.length; i++) {
    const failure = runLogged(logger, hookName(kind, i), hooks[i]!, input);
    if (!failure) continue;
    if (FAILURE_FAILS[kind]) throw new TsrunError('ERR_TSRUN_HOOK', failure);
    logger.warn(failure);
  }
}

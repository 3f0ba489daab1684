// The process object's rules, shared by config.json's `process` and `exec --process`: one
// small function per rule, in PROCESS_RULES' order. Where runc is the reference, the rule
// says so.
import { ConfigError } from '../errors';
import { possibleCpuCount } from '../sys/cpus';
import { appendIndex } from './json-path';
import { CAPABILITIES, RLIMITS } from './linux-names';
import { IOPRIO_CLASSES, parseCpuList, schedulerProblem } from './process-attributes';
import { mustBeAbsolute, type ProcessRule, quote, type SpecRule } from './rule-kit';
import type { CapabilitySet, Process } from './types';

/** runtime-spec: "at least one entry is REQUIRED" on Linux; runc: "args must not be empty". */
const checkArgs: ProcessRule = (process, at) =>
  process.args && process.args.length > 0 ? undefined : new ConfigError(`${at}.args`, 'must not be empty');

const checkCwd: ProcessRule = (process, at) => mustBeAbsolute(`${at}.cwd`, process.cwd);

/** What is wrong with one `NAME=value` entry, in runc's words (libcontainer/env.go); the
 * child hands entries to execve as C strings, so a NUL would cut one short silently. */
export function envEntryProblem(entry: string): string | undefined {
  const eq = entry.indexOf('=');
  if (eq === -1) return "invalid environment variable: missing '='";
  if (eq === 0) return 'invalid environment variable: name cannot be empty';
  if (entry.includes('\0'))
    return `invalid environment variable ${quote(entry.slice(0, eq))}: contains nul byte (\\x00)`;
  return undefined;
}

const checkEnv: ProcessRule = (process, at) => {
  const env = process.env ?? [];
  for (let i = 0; i < env.length; i++) {
    const problem = envEntryProblem(env[i]!);
    if (problem) return new ConfigError(appendIndex(`${at}.env`, i), problem);
  }
  return undefined;
};

const checkCapabilityNames: ProcessRule = (process, at) => {
  const caps = process.capabilities;
  if (!caps) return undefined;
  for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as CapabilitySet[]) {
    const names = caps[set] ?? [];
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (!CAPABILITIES.includes(name)) {
        return new ConfigError(appendIndex(`${at}.capabilities.${set}`, i), `unknown capability ${quote(name)}`);
      }
    }
  }
  return undefined;
};

const checkRlimits: ProcessRule = (process, at) => {
  const rlimits = process.rlimits ?? [];
  const seen = new Set<string>();
  for (let i = 0; i < rlimits.length; i++) {
    const { type, soft, hard } = rlimits[i]!;
    const here = appendIndex(`${at}.rlimits`, i);
    if (!Object.hasOwn(RLIMITS, type)) return new ConfigError(`${here}.type`, `unknown rlimit type ${quote(type)}`);
    if (seen.has(type)) return new ConfigError(`${here}.type`, `duplicate rlimit type ${quote(type)}`);
    seen.add(type);
    // setrlimit(2) fails with EINVAL when soft > hard: say it before anything is created.
    if (soft > hard) return new ConfigError(`${here}.soft`, `soft limit ${soft} is above hard limit ${hard}`);
  }
  return undefined;
};

/** process.scheduler: what sched_setattr(2) would refuse (process-attributes.ts). */
const checkScheduler: ProcessRule = (process, at) => {
  if (!process.scheduler) return undefined;
  const bad = schedulerProblem(process.scheduler);
  return bad ? new ConfigError(`${at}.scheduler.${bad.field}`, bad.problem) : undefined;
};

/** process.ioPriority: a known class, a level 0 (highest) to 7 (lowest). */
const checkIoPriority: ProcessRule = (process, at) => {
  const io = process.ioPriority;
  if (!io) return undefined;
  if (!Object.hasOwn(IOPRIO_CLASSES, io.class))
    return new ConfigError(`${at}.ioPriority.class`, `unknown class ${quote(io.class)}`);
  const level = io.priority ?? 0;
  if (level < 0 || level > 7) return new ConfigError(`${at}.ioPriority.priority`, `must be 0 to 7, got ${level}`);
  return undefined;
};

/** process.execCPUAffinity: CPU lists of the host's possible CPUs. */
const checkExecCpuAffinity: ProcessRule = (process, at) => {
  const affinity = process.execCPUAffinity;
  if (!affinity) return undefined;
  for (const field of ['initial', 'final'] as const) {
    const text = affinity[field];
    if (text === undefined) continue;
    const parsed = parseCpuList(text, possibleCpuCount());
    if ('problem' in parsed) return new ConfigError(`${at}.execCPUAffinity.${field}`, parsed.problem);
  }
  return undefined;
};

const PROCESS_RULES: readonly ProcessRule[] = [
  checkArgs,
  checkCwd,
  checkEnv,
  checkCapabilityNames,
  checkRlimits,
  checkScheduler,
  checkIoPriority,
  checkExecCpuAffinity,
];

export function firstProcessError(process: Process, at: string): ConfigError | undefined {
  for (const rule of PROCESS_RULES) {
    const error = rule(process, at);
    if (error) return error;
  }
  return undefined;
}

export const checkProcessRules: SpecRule = (spec) =>
  spec.process ? firstProcessError(spec.process, 'process') : undefined;

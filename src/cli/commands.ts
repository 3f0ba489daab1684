// runc's commands as data: flags, positionals and the handler that does the work.
// Handlers load their modules lazily, so `state` never loads the addon or validators. The
// form `const { f }: typeof import(M) = require(M)` lets knip see which export is used.
import { writeSync } from 'node:fs';
import type { RuntimeContext } from '../container/context';
import { TsrunError } from '../errors';
import { execFlags } from './exec-flags';
import { parsePreserveFds } from './preserve-fds';
import { json } from './render';
import { updateFlags } from './update-flags';

export interface FlagSpec {
  type: 'boolean' | 'string';
  short?: string;
  default?: string | boolean;
  /** A string flag that may be given more than once (`-e A=1 -e B=2`): its value is a list. */
  multiple?: boolean;
  describe: string;
}

export type Flags = Record<string, string | boolean | string[] | undefined>;

export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional names; a trailing "?" marks an optional one. */
  positionals: string[];
  flags: Record<string, FlagSpec>;
  /** Flags are read only before the first positional; the arguments after it are passed
   * through as `extra` (runc's StopOnNthArg: `ps ID -aux`). */
  passThrough?: boolean;
  /** Returns the exit status. */
  run(
    ctx: RuntimeContext,
    args: Record<string, string | undefined>,
    flags: Flags,
    extra: string[],
  ): number | Promise<number>;
}

const createFlags: Record<string, FlagSpec> = {
  bundle: { type: 'string', short: 'b', default: '.', describe: 'path to the bundle directory' },
  'pid-file': { type: 'string', describe: 'file to write the container init pid to' },
  'console-socket': { type: 'string', describe: 'unix socket that receives the pty master fd' },
  'no-pivot': { type: 'boolean', default: false, describe: 'use chroot instead of pivot_root' },
  'no-new-keyring': { type: 'boolean', default: false, describe: 'do not create a new session keyring' },
  'preserve-fds': { type: 'string', default: '0', describe: 'pass N extra fds (from 3) to the container' },
};

function createOptions(args: Record<string, string | undefined>, flags: Flags) {
  const preserveFds = parsePreserveFds(flags['preserve-fds']);
  return {
    id: args['container-id'] as string,
    bundle: String(flags.bundle),
    pidFile: flags['pid-file'] as string | undefined,
    consoleSocket: flags['console-socket'] as string | undefined,
    noPivot: flags['no-pivot'] === true,
    noNewKeyring: flags['no-new-keyring'] === true,
    preserveFds,
    foreground: false,
  };
}

function write(text: string): void {
  writeSync(1, text);
}

export const commands: CommandSpec[] = [
  {
    name: 'create',
    summary: 'create a container',
    positionals: ['container-id'],
    flags: createFlags,
    run(ctx, args, flags) {
      const { createContainer }: typeof import('../container/create') = require('../container/create');
      createContainer(ctx, createOptions(args, flags));
      return 0;
    },
  },
  {
    name: 'start',
    summary: 'start a created container',
    positionals: ['container-id'],
    flags: {},
    async run(ctx, args) {
      const { startCommand }: typeof import('../container/start') = require('../container/start');
      await startCommand(ctx, args['container-id'] as string);
      return 0;
    },
  },
  {
    name: 'run',
    summary: 'create and start a container',
    positionals: ['container-id'],
    flags: {
      ...createFlags,
      detach: { type: 'boolean', short: 'd', default: false, describe: 'return once the container has started' },
      keep: { type: 'boolean', default: false, describe: 'do not delete the container after it exits' },
    },
    run(ctx, args, flags) {
      const { runContainer }: typeof import('../container/run') = require('../container/run');
      return runContainer(ctx, {
        ...createOptions(args, flags),
        detach: flags.detach === true,
        keep: flags.keep === true,
      });
    },
  },
  {
    name: 'exec',
    summary: 'execute new process inside the container',
    positionals: ['container-id', 'command?'],
    flags: execFlags,
    passThrough: true,
    run(ctx, args, flags, extra) {
      const { checkExecFlagValues, execOptions }: typeof import('./exec-options') = require('./exec-options');
      checkExecFlagValues(flags);
      const { execContainer }: typeof import('../container/exec') = require('../container/exec');
      // runc's words and status for any failure once its arguments are counted: engines
      // (conmon) read "exec failed: ..." and the 255.
      const failed = (err: unknown): never => {
        const e = err as TsrunError;
        throw new TsrunError(e.code ?? 'ERR_TSRUN_CHILD', `exec failed: ${(err as Error).message}`, {
          cause: err,
          exitStatus: 255,
        });
      };
      try {
        const status = execContainer(ctx, execOptions(args, flags, extra));
        return typeof status === 'number' ? status : status.catch(failed);
      } catch (err) {
        return failed(err);
      }
    },
  },
  {
    name: 'state',
    summary: 'print the state of a container',
    positionals: ['container-id'],
    flags: {},
    run(ctx, args) {
      const { showState }: typeof import('./state') = require('./state');
      write(showState(ctx, args['container-id'] as string));
      return 0;
    },
  },
  {
    name: 'kill',
    summary: 'send a signal (default SIGTERM) to the container init',
    positionals: ['container-id', 'signal?'],
    flags: {
      all: {
        type: 'boolean',
        short: 'a',
        default: false,
        describe: 'send the signal to every process of the container',
      },
    },
    run(ctx, args, flags) {
      const { killContainer }: typeof import('../container/kill') = require('../container/kill');
      killContainer(ctx, args['container-id'] as string, args.signal ?? 'SIGTERM', flags.all === true);
      return 0;
    },
  },
  {
    name: 'pause',
    summary: 'pause suspends all processes inside the container',
    positionals: ['container-id'],
    flags: {},
    run(ctx, args) {
      const { pauseContainer }: typeof import('../container/pause') = require('../container/pause');
      pauseContainer(ctx, args['container-id'] as string);
      return 0;
    },
  },
  {
    name: 'resume',
    summary: 'resumes all processes that have been previously paused',
    positionals: ['container-id'],
    flags: {},
    run(ctx, args) {
      const { resumeContainer }: typeof import('../container/pause') = require('../container/pause');
      resumeContainer(ctx, args['container-id'] as string);
      return 0;
    },
  },
  {
    name: 'ps',
    summary: 'ps displays the processes running inside a container',
    positionals: ['container-id', 'ps options?'],
    flags: {
      format: { type: 'string', short: 'f', default: 'table', describe: 'select one of: table or json' },
    },
    passThrough: true,
    run(ctx, args, flags, extra) {
      const { containerPids, pidsJson, psTable }: typeof import('../container/ps') = require('../container/ps');
      const pids = containerPids(ctx, args['container-id'] as string);
      const format = String(flags.format);
      if (format === 'json') write(pidsJson(pids));
      else if (format === 'table') write(psTable(pids, extra));
      else throw new TsrunError('ERR_TSRUN_USAGE', 'invalid format option');
      return 0;
    },
  },
  {
    name: 'events',
    summary: 'display container events such as OOM notifications, cpu, memory, and IO usage statistics',
    positionals: ['container-id'],
    flags: {
      interval: { type: 'string', default: '5s', describe: 'set the stats collection interval' },
      stats: { type: 'boolean', default: false, describe: "display the container's stats then exit" },
    },
    run(ctx, args, flags) {
      const { parseGoDuration }: typeof import('./duration') = require('./duration');
      const text = String(flags.interval);
      let intervalNs: number;
      try {
        intervalNs = parseGoDuration(text);
      } catch (err) {
        // urfave/cli's words, as runc prints them
        throw new TsrunError(
          'ERR_TSRUN_USAGE',
          `invalid value "${text}" for flag -interval: ${(err as Error).message}`,
        );
      }
      const { containerEvents }: typeof import('../container/events') = require('../container/events');
      return containerEvents(ctx, args['container-id'] as string, { stats: flags.stats === true, intervalNs });
    },
  },
  {
    name: 'update',
    summary: 'update container resource constraints',
    positionals: ['container-id'],
    flags: updateFlags,
    run(ctx, args, flags) {
      const { updateRequest }: typeof import('./update-request') = require('./update-request');
      const { updateContainer }: typeof import('../container/update') = require('../container/update');
      // Read once the container is found (runc's order: an unknown ID is the error first).
      updateContainer(ctx, args['container-id'] as string, () => updateRequest(flags));
      return 0;
    },
  },
  {
    name: 'delete',
    summary: 'delete a container and what it holds',
    positionals: ['container-id'],
    flags: {
      force: { type: 'boolean', short: 'f', default: false, describe: 'kill the container first if it is running' },
    },
    run(ctx, args, flags) {
      const { deleteContainer }: typeof import('../container/delete') = require('../container/delete');
      deleteContainer(ctx, args['container-id'] as string, flags.force === true);
      return 0;
    },
  },
  {
    name: 'list',
    summary: 'list containers',
    positionals: [],
    flags: {
      format: { type: 'string', short: 'f', default: 'table', describe: 'table or json' },
      quiet: { type: 'boolean', short: 'q', default: false, describe: 'print only the container IDs' },
    },
    run(ctx, _args, flags) {
      const format = String(flags.format);
      if (format !== 'table' && format !== 'json')
        throw new TsrunError('ERR_TSRUN_USAGE', `invalid format option "${format}": table or json`);
      const { listContainers }: typeof import('./list') = require('./list');
      write(listContainers(ctx, format, flags.quiet === true));
      return 0;
    },
  },
  {
    name: 'spec',
    summary: 'write a starting config.json',
    positionals: [],
    flags: {
      bundle: { type: 'string', short: 'b', default: '.', describe: 'directory to write config.json to' },
      rootless: { type: 'boolean', default: false, describe: 'a config for a container run by an unprivileged user' },
    },
    run(_ctx, _args, flags) {
      const { writeSpec }: typeof import('./spec') = require('./spec');
      writeSpec(String(flags.bundle), flags.rootless === true);
      return 0;
    },
  },
  {
    name: 'features',
    summary: 'print what this runtime supports',
    positionals: [],
    flags: {},
    run() {
      const { features }: typeof import('./features') = require('./features');
      write(json(features()));
      return 0;
    },
  },
];

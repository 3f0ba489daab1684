// The command line: runc's global flags and commands. One catch prints the error as one
// line (and logs it to --log), exit status 1. Commands load what they need lazily.
import * as fs from 'node:fs';
import yargs from 'yargs/yargs';
import type { Argv } from 'yargs';
import { TsrunError } from '../errors';
import { Logger, type LogFormat } from '../log/logger';
import { makeContext, type RuntimeContext } from '../container/context';
import { OCI_VERSION, TSRUN_VERSION } from '../container/version';

interface GlobalArgs {
  root: string;
  log?: string;
  'log-format': string;
  debug: boolean;
  'systemd-cgroup': boolean;
}

function out(text: string): void {
  fs.writeSync(1, text);
}

let logger = new Logger(undefined, 'text', 'warning');

function context(argv: GlobalArgs): RuntimeContext {
  return makeContext(argv.root, logger, argv['systemd-cgroup'], argv.debug);
}

function createFlags<T>(y: Argv<T>) {
  return y
    .positional('container-id', { type: 'string', demandOption: true })
    .option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'path to the bundle directory' })
    .option('pid-file', { type: 'string', describe: 'file to write the container init pid to' })
    .option('console-socket', { type: 'string', describe: 'unix socket that receives the pty master fd' })
    .option('no-pivot', { type: 'boolean', default: false, describe: 'use chroot instead of pivot_root' })
    .option('no-new-keyring', { type: 'boolean', default: false, describe: 'do not create a new session keyring' })
    .option('preserve-fds', { type: 'number', default: 0, describe: 'pass N extra fds (from 3) to the container' });
}

function createOptions(argv: Record<string, unknown>) {
  const preserveFds = Number(argv['preserve-fds'] ?? 0);
  if (!Number.isInteger(preserveFds) || preserveFds < 0) throw new TsrunError('ERR_TSRUN_USAGE', `invalid --preserve-fds ${String(argv['preserve-fds'])}`);
  return {
    id: String(argv['container-id']),
    bundle: String(argv.bundle),
    pidFile: argv['pid-file'] as string | undefined,
    consoleSocket: argv['console-socket'] as string | undefined,
    noPivot: Boolean(argv['no-pivot']),
    preserveFds,
    foreground: false,
  };
}

export function buildCli(args: string[]): Argv<GlobalArgs> {
  return yargs(args)
    .scriptName('tsrun')
    .locale('en')
    .detectLocale(false)
    .usage('tsrun [global options] <command> [command options]\n\nA runc-compatible OCI container runtime.')
    .option('root', { type: 'string', default: '/run/tsrun', describe: 'root directory for container state', global: true })
    .option('log', { type: 'string', describe: 'log file (default: stderr)', global: true })
    .option('log-format', { type: 'string', default: 'text', choices: ['text', 'json'], describe: 'log format', global: true })
    .option('debug', { type: 'boolean', default: false, describe: 'debug logging', global: true })
    .option('systemd-cgroup', { type: 'boolean', default: false, describe: 'read cgroupsPath as "slice:prefix:name"', global: true })
    .option('rootless', { type: 'string', hidden: true, global: true })
    .option('criu', { type: 'string', hidden: true, global: true })
    .middleware((argv) => {
      logger = new Logger(argv.log, argv['log-format'] as LogFormat, argv.debug ? 'debug' : 'info');
    })
    .command('create <container-id>', 'create a container', (y) => createFlags(y), (argv) => {
      const { createContainer } = require('../container/create') as typeof import('../container/create');
      createContainer(context(argv), createOptions(argv));
    })
    .command('start <container-id>', 'start a created container', (y) => y.positional('container-id', { type: 'string', demandOption: true }), (argv) => {
      const { startContainer } = require('../container/start') as typeof import('../container/start');
      startContainer(context(argv), argv['container-id']);
    })
    .command(
      'run <container-id>',
      'create and start a container',
      (y) => createFlags(y).option('detach', { alias: 'd', type: 'boolean', default: false }).option('keep', { type: 'boolean', default: false }),
      async (argv) => {
        const { runContainer } = require('../container/run') as typeof import('../container/run');
        process.exitCode = await runContainer(context(argv), { ...createOptions(argv), detach: argv.detach, keep: argv.keep });
      },
    )
    .command('state <container-id>', 'print the state of a container', (y) => y.positional('container-id', { type: 'string', demandOption: true }), (argv) => {
      const { containerStatus, stateDocument } = require('../container/status') as typeof import('../container/status');
      const ctx = context(argv);
      const record = ctx.store.load(argv['container-id']);
      if (!record) {
        out(require('./render').json({ ociVersion: OCI_VERSION, id: argv['container-id'], pid: 0, status: 'creating', bundle: '' }));
        return;
      }
      out(require('./render').json(stateDocument(record, containerStatus(ctx.store, record))));
    })
    .command(
      'kill <container-id> [signal]',
      'send a signal to the container init (default SIGTERM)',
      (y) => y.positional('container-id', { type: 'string', demandOption: true }).positional('signal', { type: 'string', default: 'SIGTERM' }).option('all', { alias: 'a', type: 'boolean', default: false }),
      (argv) => {
        const { killContainer } = require('../container/kill') as typeof import('../container/kill');
        killContainer(context(argv), argv['container-id'], argv.signal, argv.all);
      },
    )
    .command(
      'delete <container-id>',
      'delete a container and what it holds',
      (y) => y.positional('container-id', { type: 'string', demandOption: true }).option('force', { alias: 'f', type: 'boolean', default: false }),
      (argv) => {
        const { deleteContainer } = require('../container/delete') as typeof import('../container/delete');
        deleteContainer(context(argv), argv['container-id'], argv.force);
      },
    )
    .command(
      'list',
      'list containers',
      (y) => y.option('format', { alias: 'f', type: 'string', choices: ['table', 'json'], default: 'table' }).option('quiet', { alias: 'q', type: 'boolean', default: false }),
      (argv) => {
        const { listContainers } = require('./list') as typeof import('./list');
        out(listContainers(context(argv), argv.format as 'table' | 'json', argv.quiet));
      },
    )
    .command(
      'spec',
      'write a starting config.json',
      (y) => y.option('bundle', { alias: 'b', type: 'string', default: '.' }).option('rootless', { type: 'boolean', default: false }),
      (argv) => {
        const { writeSpec } = require('./spec') as typeof import('./spec');
        writeSpec(argv.bundle, argv.rootless === true);
      },
    )
    .command('features', 'print what this runtime supports', {}, () => {
      const { features } = require('./features') as typeof import('./features');
      out(require('./render').json(features()));
    })
    .demandCommand(1, 'a command is required')
    .strict()
    .version(`tsrun version ${TSRUN_VERSION}\nspec: ${OCI_VERSION}\nnode: ${process.version}`)
    .help()
    .wrap(100)
    .fail((msg, err) => {
      throw err ?? new TsrunError('ERR_TSRUN_USAGE', msg);
    }) as unknown as Argv<GlobalArgs>;
}

function report(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  const line = message.split('\n')[0] ?? message;
  logger.error(line);
  fs.writeSync(2, `tsrun: ${line}\n`);
  if (!(err instanceof TsrunError) && !(err as { code?: string }).code?.startsWith('ERR_TSRUN') && process.argv.includes('--debug')) {
    fs.writeSync(2, `${(err as Error).stack ?? ''}\n`);
  }
  process.exitCode = 1;
}

export async function main(args: string[]): Promise<void> {
  try {
    await buildCli(args).parseAsync();
  } catch (err) {
    report(err);
  }
}

void main(process.argv.slice(2));

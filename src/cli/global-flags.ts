// runc's global flags: they come before the command. The fast parser (main.ts) and the
// yargs definition (help/definition.ts) both read this table.
import type { FlagSpec } from './commands';

export const globalFlags: Record<string, FlagSpec> = {
  root: { type: 'string', default: '/run/tsrun', describe: 'root directory for container state' },
  log: { type: 'string', describe: 'log file (default: stderr)' },
  'log-format': { type: 'string', default: 'text', describe: 'log format: text or json' },
  debug: { type: 'boolean', default: false, describe: 'debug logging' },
  'systemd-cgroup': { type: 'boolean', default: false, describe: 'read cgroupsPath as "slice:prefix:name"' },
  // Accepted for runc compatibility, without effect.
  criu: { type: 'string', describe: 'accepted for compatibility; checkpointing is not supported' },
  rootless: { type: 'string', describe: 'accepted for compatibility (true|false|auto)' },
  help: { type: 'boolean', short: 'h', describe: 'show help' },
  version: { type: 'boolean', short: 'v', describe: 'print the version' },
};

// runc's global flags, and where they end and the command begins. The fast parser (main.ts),
// the yargs definition (help/definition.ts) and the launcher (src/launch/, which picks a
// command's code cache before the bundle loads) all read this table.
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

/** Split "global flags, command, command arguments": global flags come first, as in runc. */
export function splitCommand(args: string[]): { globals: string[]; name: string | undefined; rest: string[] } {
  let i = 0;
  while (i < args.length) {
    const a = args[i]!;
    if (!a.startsWith('-') || a === '-') break;
    if (a === '--') {
      i++;
      break;
    }
    const name = a.replace(/^--?/, '').split('=')[0]!;
    const spec = globalFlags[name] ?? Object.values(globalFlags).find((f) => f.short === name);
    i += spec?.type === 'string' && !a.includes('=') ? 2 : 1;
  }
  return { globals: args.slice(0, i), name: args[i], rest: args.slice(i + 1) };
}

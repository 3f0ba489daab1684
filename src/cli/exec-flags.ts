// runc's exec flags, with its short names (the table the parser and the help read).
import type { FlagSpec } from './commands';

export const execFlags: Record<string, FlagSpec> = {
  'console-socket': { type: 'string', describe: 'unix socket that receives the pty master fd' },
  cwd: { type: 'string', describe: 'current working directory in the container' },
  env: { type: 'string', short: 'e', multiple: true, describe: 'set an environment variable (repeatable)' },
  tty: { type: 'boolean', short: 't', default: false, describe: 'allocate a pseudo-TTY' },
  user: { type: 'string', short: 'u', describe: 'UID (format: <uid>[:<gid>])' },
  'additional-gids': { type: 'string', short: 'g', multiple: true, describe: 'additional gids (repeatable)' },
  process: { type: 'string', short: 'p', describe: 'path to the process.json' },
  detach: { type: 'boolean', short: 'd', default: false, describe: "detach from the container's process" },
  'pid-file': { type: 'string', describe: 'file to write the process id to' },
  'process-label': { type: 'string', describe: 'SELinux label for the process' },
  apparmor: { type: 'string', describe: 'AppArmor profile for the process' },
  'no-new-privs': { type: 'boolean', describe: 'set no_new_privileges for the process' },
  cap: { type: 'string', short: 'c', multiple: true, describe: 'add a capability to the process (repeatable)' },
  'preserve-fds': { type: 'string', default: '0', describe: 'pass N extra fds (from 3) to the process' },
  cgroup: { type: 'string', describe: 'run the process in an existing sub-cgroup: [<controller>:]<cgroup>' },
  'ignore-paused': { type: 'boolean', default: false, describe: 'allow exec in a paused container' },
};

// A seccomp agent for notify tests: test/helpers/seccomp-agent.py listening at `socket`.
// `log()` reads what it has got so far: each container process state (with how many fds
// came with it) and each notification's syscall number.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor } from './harness';

export interface SeccompAgent {
  socket: string;
  states(): { state: Record<string, any>; fds: number }[];
  notified(): number[];
  /** SIGKILL, waited for: the listeners it held close, notified syscalls get ENOSYS. */
  stop(): Promise<void>;
}

export async function startSeccompAgent(
  socket: string,
  errno: number,
  t: { teardown(fn: () => void): void },
): Promise<SeccompAgent> {
  const logFile = `${socket}.log`;
  const agent = spawn('python3', [path.join(__dirname, 'seccomp-agent.py'), socket, logFile, String(errno)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => agent.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
    await exited;
  };
  t.teardown(() => void stop());
  if (!(await waitFor(() => fs.existsSync(socket), 5_000))) throw new Error('seccomp agent did not start');
  const entries = (): Record<string, any>[] =>
    fs.existsSync(logFile)
      ? fs
          .readFileSync(logFile, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l))
      : [];
  return {
    socket,
    states: () => entries().filter((e) => 'state' in e) as { state: Record<string, any>; fds: number }[],
    notified: () => entries().flatMap((e) => ('nr' in e ? [e.nr as number] : [])),
    stop,
  };
}

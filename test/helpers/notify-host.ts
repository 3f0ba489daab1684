// The host's systemd for NOTIFY_SOCKET tests: test/helpers/notify-receiver.py bound at a
// unix datagram socket (Node cannot bind one). `received()` ends it and resolves with every
// datagram that arrived until then, in order: called once the runtime returned, it holds
// exactly what the runtime had sent.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export interface NotifyHost {
  socket: string;
  received(): Promise<string[]>;
}

export async function startNotifyHost(socket: string, t: { teardown(fn: () => void): void }): Promise<NotifyHost> {
  const receiver = spawn('python3', [path.join(__dirname, 'notify-receiver.py'), socket], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    if (receiver.exitCode === null && receiver.signalCode === null) receiver.kill('SIGKILL');
  });
  let out = '';
  receiver.stdout!.setEncoding('utf8');
  receiver.stdout!.on('data', (chunk: string) => {
    out += chunk;
  });
  const exited = new Promise<void>((resolve) => receiver.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    receiver.stdout!.once('data', () => resolve());
    receiver.once('exit', () => reject(new Error('notify receiver exited early')));
  });
  return {
    socket,
    async received() {
      receiver.stdin!.end();
      await exited;
      return out
        .split('\n')
        .slice(1)
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as string);
    },
  };
}

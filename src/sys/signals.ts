// Signal names to numbers, accepted as runc accepts them: "KILL", "SIGKILL", "kill" or "9";
// "0" too, which checks that the init is alive and delivers nothing (kill(2)).
import { TsrunError } from '../errors';

// Linux's numbers on x86_64 and arm64 (the asm-generic set), as node:os constants.signals
// lists them (test/unit/state.test.ts compares): a table here spares `kill` loading node:os,
// which costs Bun about 0.2 ms.
const byName: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGIOT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPOLL: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

export function parseSignal(text: string): number {
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    if (n >= 0 && n <= 64) return n;
    throw new TsrunError('ERR_TSRUN_USAGE', `unknown signal "${text}"`);
  }
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const rt = /^SIGRTMIN(?:\+([0-9]+))?$/.exec(name) ?? /^SIGRTMAX(?:-([0-9]+))?$/.exec(name);
  if (rt) {
    const offset = Number(rt[1] ?? 0);
    const n = name.startsWith('SIGRTMIN') ? 34 + offset : 64 - offset;
    if (n >= 34 && n <= 64) return n;
  }
  const n = byName[name];
  if (n === undefined) throw new TsrunError('ERR_TSRUN_USAGE', `unknown signal "${text}"`);
  return n;
}

// Signal names to numbers, accepted as runc accepts them: "KILL", "SIGKILL", "kill" or "9";
// "0" too, which checks that the init is alive and delivers nothing (kill(2)).
import { constants } from 'node:os';
import { TsrunError } from '../errors';

const byName: Record<string, number> = constants.signals as unknown as Record<string, number>;

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

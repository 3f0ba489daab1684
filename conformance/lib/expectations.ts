// What a scenario's assertion holds the runtime to: the spec phrase it checks, and where
// a runtime is known to differ on purpose or by fault (a todo, with the reason).
import { isRunc } from './runtime';

/** Spec references, quoted so each scenario names what it holds. */
export function spec(
  file: 'runtime.md' | 'config.md' | 'config-linux.md' | 'runtime-linux.md',
  phrase: string,
  rt: string[],
): string {
  return `[${file}: "${phrase}"] [runtime-tools: ${rt.join(', ')}]`;
}

/**
 * Marks an assertion for a known deviation of runc: returns tap assertion options with `todo`
 * naming the deviation when RUNTIME is runc; for any other runtime the assertion is required.
 */
export function runcDeviation(reason: string): { todo?: string } {
  return isRunc() ? { todo: `known runc 1.1.5 deviation: ${reason}` } : {};
}

/** A spec requirement where tsrun keeps runc's behaviour on purpose, because engines rely
 * on it (containerd deletes a created, never started task with a plain `delete`): a todo
 * for every runtime, with the reason. */
export function runcBehaviourKept(reason: string): { todo: string } {
  return { todo: `runc's behaviour, kept by tsrun for engine compatibility: ${reason}` };
}

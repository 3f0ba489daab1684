// Per-step timing for --debug: "<what>: <step> at <N> ms of uptime". Uptime counts from the
// engine's own start, so the first step's figure is the engine's start plus the bundle's
// load, and bench/profile.ts can line the steps of every command up against one clock.
// process.uptime, not performance.now: the global `performance` loads perf_hooks (~1 ms).
import type { Logger } from './logger';

export type StepTracer = (step: string) => void;

export function stepTracer(logger: Logger, what: string): StepTracer {
  return (step) => logger.debug(`${what}: ${step} at ${(process.uptime() * 1000).toFixed(1)} ms of uptime`);
}

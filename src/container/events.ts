// `events`: the container's cgroup statistics as runc prints them (event-json.ts), once
// (--stats) or every --interval, with an "oom" line as soon as the kernel OOM-kills one of
// its processes (cgroups/oom-notify.ts listens for them). The stream ends (exit 0) when the
// container's cgroup holds no process any more or is gone. Errors are runc's: an unknown
// container, a stopped one, a bad interval.
import { readdirSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { readHostHierarchies } from '../cgroups/hierarchies';
import { hostCgroupFs } from '../cgroups/manager';
import { cgroupPopulated, memoryCgroupOf } from '../cgroups/oom';
import { watchOom } from '../cgroups/oom-notify';
import { hugePageSizes } from '../cgroups/stats/hugetlb';
import { readCgroupStats, type StatsSource } from '../cgroups/stats/read';
import type { CgroupStats } from '../cgroups/stats/types';
import { TsrunError } from '../errors';
import type { ContainerRecord } from '../state/types';
import type { RuntimeContext } from './context';
import { oomEventLine, statsEventLine } from './event-json';
import { containerStatus } from './status';

/** How often the stream looks whether the cgroup still holds a process, and for OOMs (v1:
 * the eventfd's count; v2: the OOM-kill counter, in case inotify missed a change). */
const POLL_MS = 100;
/** Node's timers take at most 2^31 - 1 ms (about 24.8 days); a longer interval waits that. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface EventsOptions {
  stats: boolean;
  /** The --interval, in nanoseconds (parsed, not yet checked). */
  intervalNs: number;
}

function hostPageSizes(): string[] {
  try {
    return hugePageSizes(readdirSync('/sys/kernel/mm/hugepages'));
  } catch {
    return [];
  }
}

function readStats(src: StatsSource): CgroupStats {
  try {
    return readCgroupStats(src);
  } catch (err) {
    throw new TsrunError('ERR_TSRUN_SYSCALL', `unable to get container cgroup stats: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function print(line: string): void {
  writeSync(1, line);
}

/** The stream. SIGINT and SIGTERM are taken between lines (a line is never cut) and then
 * end tsrun by the same signal, as they end runc (Go's default). */
function stream(ctx: RuntimeContext, record: ContainerRecord, src: StatsSource, intervalMs: number): Promise<number> {
  const memory = memoryCgroupOf(src.hierarchies, record.cgroup);
  if (!memory) throw new TsrunError('ERR_TSRUN_STATE', 'memory controller missing');
  return new Promise((resolve, reject) => {
    const timers: NodeJS.Timeout[] = [];
    let done = false;
    const stop = () => {
      done = true;
      for (const timer of timers) clearInterval(timer);
      oom.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    const finish = (err?: Error) => {
      if (done) return;
      stop();
      if (err) reject(err);
      else resolve(0);
    };
    const guarded = (work: () => void) => () => {
      try {
        if (!done) work();
      } catch (err) {
        finish(err as Error);
      }
    };
    function onSignal(signal: NodeJS.Signals): void {
      stop();
      // Raised again once Node has handed the signal back to its default action (its
      // handle closes within this turn of the loop); the exit status says it all the same
      // should the process outlive it.
      process.exitCode = 128 + (constants.signals[signal] ?? 0);
      setImmediate(() => process.kill(process.pid, signal));
    }
    const oom = watchOom(src.cgfs, memory, {
      oom: guarded(() => print(oomEventLine(record.id))),
      gone: () => finish(),
      failed: (err) => finish(err),
    });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // Empty twice in a row ends the stream: an OOM the kernel reported just before the last
    // process left has been printed by then.
    let emptyBefore = false;
    timers.push(
      setInterval(
        guarded(() => {
          const populated = cgroupPopulated(src.cgfs, memory);
          oom.check();
          if (!populated && emptyBefore) finish();
          emptyBefore = !populated;
        }),
        POLL_MS,
      ),
      setInterval(
        guarded(() => {
          let stats: CgroupStats;
          try {
            stats = readStats(src);
          } catch (err) {
            ctx.logger.error((err as Error).message); // runc logs it and goes on
            return;
          }
          print(statsEventLine(record.id, stats));
        }),
        Math.min(Math.max(intervalMs, 1), MAX_TIMER_MS),
      ),
    );
  });
}

export async function containerEvents(ctx: RuntimeContext, id: string, opts: EventsOptions): Promise<number> {
  const record = ctx.store.require(id);
  if (!(opts.intervalNs > 0)) throw new TsrunError('ERR_TSRUN_USAGE', 'duration interval must be greater than 0');
  if (containerStatus(ctx.store, record) === 'stopped')
    throw new TsrunError('ERR_TSRUN_STATE', `container with id ${id} is not running`);
  const src: StatsSource = {
    cgfs: hostCgroupFs,
    hierarchies: readHostHierarchies(),
    record: record.cgroup,
    pageSizes: hostPageSizes(),
  };
  if (opts.stats) {
    print(statsEventLine(id, readStats(src)));
    return 0;
  }
  return stream(ctx, record, src, opts.intervalNs / 1e6);
}

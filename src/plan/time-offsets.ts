// linux.timeOffsets -> what the child writes to timens_offsets (time_namespaces(7)): one
// "CLOCK SECS NANOSECS" line per clock, in one write (the kernel takes both at once).
import type { Spec } from '../config/types';

const CLOCKS = ['monotonic', 'boottime'] as const;

/** The lines for the clocks the config names; null when it names none. */
export function timeOffsetsText(offsets: NonNullable<Spec['linux']>['timeOffsets']): string | null {
  const lines = CLOCKS.filter((clock) => offsets?.[clock]).map((clock) => {
    const { secs = 0, nanosecs = 0 } = offsets![clock]!;
    return `${clock} ${secs} ${nanosecs}\n`;
  });
  return lines.length > 0 ? lines.join('') : null;
}

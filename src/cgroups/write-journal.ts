// A CgroupFs that remembers what each file held before its first write, so that a write
// sequence that fails half-way (the kernel refusing a value) can be undone: the files are
// written back in reverse order, which is the order the kernel accepts when it accepted
// the forward one (memory before memory+swap when the swap went first). A file whose old
// content is not one value, or that holds one line per device (blkio throttles, io.max),
// cannot be written back whole; undo names it.
import type { CgroupFs } from './manager';

export interface WriteJournal {
  cgfs: CgroupFs;
  /** Write back what the journal's writes replaced; returns the files it could not. */
  undo(): string[];
}

export function journaled(target: CgroupFs): WriteJournal {
  const before = new Map<string, string | undefined>();
  const perDevice = new Set<string>();
  const cgfs: CgroupFs = {
    ...target,
    write(p, value) {
      const first = !before.has(p);
      let old: string | undefined;
      try {
        if (first) old = target.read(p);
      } catch {
        old = undefined;
      }
      target.write(p, value);
      if (first) before.set(p, old);
      if (/^\d+:\d+\s/.test(value)) perDevice.add(p);
    },
  };
  return {
    cgfs,
    undo() {
      const failed: string[] = [];
      for (const [p, old] of [...before].reverse()) {
        const value = old?.trim();
        if (value === undefined || value === '' || value.includes('\n') || perDevice.has(p)) {
          failed.push(p);
          continue;
        }
        try {
          target.write(p, value);
        } catch {
          failed.push(p);
        }
      }
      before.clear();
      perDevice.clear();
      return failed;
    },
  };
}

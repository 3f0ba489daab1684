// What a host path is, for planning bind mounts: a directory, something else, or nothing.
import * as fs from 'node:fs';

export function pathKind(p: string): 'dir' | 'file' | null {
  try {
    return fs.statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return null;
  }
}

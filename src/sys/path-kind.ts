// What a host path is, for planning bind mounts: a directory, something else, or nothing.
import { statSync } from 'node:fs';

export function pathKind(p: string): 'dir' | 'file' | null {
  try {
    return statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return null;
  }
}

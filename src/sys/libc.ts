// koffi and libc, loaded once and only when first asked for: the runtime process's few
// calls that neither Node nor the addon offer (bpf, eventfd, memfd_create; libseccomp).
// Commands that need none of them never load koffi.
import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';
import { installPath } from './install-path';

let loaded: { koffi: typeof Koffi; libc: Koffi.LibraryHandle } | undefined;

export function ffi(): { koffi: typeof Koffi; libc: Koffi.LibraryHandle } {
  if (!loaded) {
    // Resolved from the install root, as Node would from there: the Bun executable has no
    // node_modules of its own.
    const koffi = createRequire(installPath('package.json'))('koffi') as typeof Koffi;
    loaded = { koffi, libc: koffi.load('libc.so.6') };
  }
  return loaded;
}

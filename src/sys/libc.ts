// koffi and libc, loaded once and only when first asked for: the runtime process's few
// calls that neither Node nor the addon offer (bpf, eventfd, memfd_create; libseccomp).
// Commands that need none of them never load koffi.
import type * as Koffi from 'koffi';

let loaded: { koffi: typeof Koffi; libc: Koffi.LibraryHandle } | undefined;

export function ffi(): { koffi: typeof Koffi; libc: Koffi.LibraryHandle } {
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const koffi = require('koffi') as typeof Koffi;
    loaded = { koffi, libc: koffi.load('libc.so.6') };
  }
  return loaded;
}

// The image's /etc/passwd, read to find the user's HOME when process.env has none.
import type { Native } from '../sys/native';

/** The most of the image's /etc/passwd that is read. A longer file is cut to its first
 * PASSWD_MAX bytes, without the line cut in two: users listed further down are not found
 * and get HOME=/ (the image is hostile; a 10 MB passwd must not cost 10 MB). */
export const PASSWD_MAX = 64 * 1024;

/** The first `max` bytes of `data` as text, without a last line that the limit cut short
 * (`data` is read with one byte more than `max` to tell). */
export function boundedLines(data: Buffer, max: number): string {
  if (data.length <= max) return data.toString('utf8');
  const head = data.subarray(0, max);
  return head.subarray(0, head.lastIndexOf(0x0a) + 1).toString('utf8');
}

/** The image's /etc/passwd, for HOME: resolved inside the rootfs by the addon (openat2
 * RESOLVE_IN_ROOT), read only if it is a regular file, bounded. null when absent. */
export function readImagePasswd(addon: Pick<Native, 'readFileInRoot'>, rootfs: string): string | null {
  const data = addon.readFileInRoot(rootfs, 'etc/passwd', PASSWD_MAX + 1);
  return data === null ? null : boundedLines(data, PASSWD_MAX);
}

// linux.resources.unified -> cgroup v2 files written as given, after everything else (so
// they win, as in runc). A v1 host has no such files: the entry is an error there.
import { ConfigError } from '../../errors';
import type { Resources } from '../../config/types';
import { appendKey } from '../../config/json-path';
import { collector, type HostView, type Translation } from './types';

const AT = 'linux.resources.unified';

export function unifiedWrites(unified: Resources['unified'], host: HostView): Translation {
  const out = collector();
  const keys = Object.keys(unified ?? {});
  if (keys.length === 0) return out;
  if (host.version === 1) throw new ConfigError(AT, 'needs cgroup v2, and this host uses cgroup v1 controllers');
  for (const key of keys) {
    const at = appendKey(AT, key);
    if (key.includes('/') || !/^[a-z_]+\.[^.]/.test(key))
      throw new ConfigError(at, `"${key}" is not a cgroup file name ("controller.file")`);
    out.write(key.slice(0, key.indexOf('.')), key, unified?.[key] ?? '', at);
  }
  return out;
}

// `spec`: write a starting config.json into the bundle, never over an existing one.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { specTemplate } from '../container/spec-template';
import { TsrunError } from '../errors';
import { nodeErrorText } from '../errno';

export function writeSpec(bundle: string, rootless: boolean): void {
  const file = join(bundle, 'config.json');
  // cgroup2 mounted at /sys/fs/cgroup: a pure v2 host (runc checks the same with statfs).
  const unified = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const spec = specTemplate(rootless, process.getuid?.() ?? 0, process.getgid?.() ?? 0, unified);
  try {
    writeFileSync(file, `${JSON.stringify(spec, null, '\t')}\n`, { flag: 'wx', mode: 0o666 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new TsrunError('ERR_TSRUN_USAGE', `File ${file} exists. Remove it first`);
    throw new TsrunError(
      code === 'ENOENT' ? 'ERR_TSRUN_NOT_FOUND' : 'ERR_TSRUN_SYSCALL',
      `open ${file}: ${nodeErrorText(err)}`,
    );
  }
}

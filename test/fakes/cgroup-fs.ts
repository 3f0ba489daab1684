// A fake cgroup tree in a tmpdir: directories and files are real, the kernel's side (a
// new cgroup getting its interface files, cpuset needing cpus/mems) is simulated here.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Hierarchy } from '../../src/cgroups/hierarchies';
import type { CgroupFs } from '../../src/cgroups/manager';

/** A tmpdir with a directory a hierarchy, each holding its `files`; `hierarchies` describes them as v1
 * hierarchies of one controller each (named as the directory), the runtime at their root. */
export function fakeCgroupTree(hierarchies: { name: string; files: Record<string, string> }[]): {
  root: string;
  cgfs: CgroupFs;
  writes: { file: string; value: string }[];
  hierarchies: Hierarchy[];
} {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-fake-cg-'));
  const writes: { file: string; value: string }[] = [];
  for (const h of hierarchies) {
    fs.mkdirSync(path.join(root, h.name));
    for (const [f, v] of Object.entries(h.files)) fs.writeFileSync(path.join(root, h.name, f), v);
  }
  const cgfs: CgroupFs = {
    exists: (p) => fs.existsSync(p),
    mkdir: (p) => {
      fs.mkdirSync(p);
      // a new cgroup shows its controllers' files, empty
      for (const f of fs.readdirSync(path.dirname(p)))
        if (fs.statSync(path.join(path.dirname(p), f)).isFile()) fs.writeFileSync(path.join(p, f), '');
    },
    rmdir: (p) => {
      for (const f of fs.readdirSync(p)) if (fs.statSync(path.join(p, f)).isFile()) fs.rmSync(path.join(p, f));
      fs.rmdirSync(p);
    },
    read: (p) => fs.readFileSync(p, 'utf8'),
    write: (p, value) => {
      writes.push({ file: p, value });
      fs.writeFileSync(p, value);
    },
  };
  const described: Hierarchy[] = hierarchies.map(({ name }) => ({
    key: name,
    name,
    mountPoint: path.join(root, name),
    version: 1,
    controllers: [name],
    ownPath: '/',
  }));
  return { root, cgfs, writes, hierarchies: described };
}

// A fake cgroup tree in a tmpdir: directories and files are real, the kernel's side (a
// new cgroup getting its interface files, cpuset needing cpus/mems) is simulated here.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Hierarchy, parseHierarchies } from '../../src/cgroups/hierarchies';
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

/** The files a v2 controller shows in a cgroup whose parent delegates it, with their defaults. */
const V2_FILES: Record<string, Record<string, string>> = {
  cpu: { 'cpu.max': 'max 100000', 'cpu.weight': '100' },
  cpuset: { 'cpuset.cpus': '', 'cpuset.mems': '' },
  io: { 'io.max': '' },
  memory: { 'memory.max': 'max', 'memory.current': '0' },
  pids: { 'pids.max': 'max', 'pids.current': '0' },
};

function kernelError(code: string, op: string, p: string): Error {
  return Object.assign(new Error(`${code}: ${op} ${p}`), { code });
}

/** A pure cgroup v2 host in a tmpdir: one hierarchy, described by parseHierarchies from the
 * mountinfo line and /proc/self/cgroup text such a host has (`mountinfo`, `procCgroup`; the
 * runtime in `ownPath`, which exists). The kernel's side is simulated: a new cgroup shows
 * cgroup.procs, cgroup.subtree_control, cgroup.controllers (what its parent delegates) and
 * those controllers' files; "+c" in cgroup.subtree_control takes only a controller the cgroup
 * has (ENOENT) and none below the root while the cgroup holds processes (EBUSY); a pid
 * written to cgroup.procs leaves the cgroup it was in, and a cgroup below the root that
 * delegates controllers takes none (EBUSY: no internal processes); a file no controller
 * shows cannot be written (EACCES); rmdir refuses a cgroup with processes or children
 * (EBUSY). Nothing is delegated at first: the root's cgroup.subtree_control is empty. */
export function fakeCgroup2Tree(opts: { controllers?: string[]; ownPath?: string } = {}): {
  root: string;
  cgfs: CgroupFs;
  writes: { file: string; value: string }[];
  hierarchies: Hierarchy[];
  mountinfo: string;
  procCgroup: string;
} {
  const controllers = opts.controllers ?? ['cpuset', 'cpu', 'io', 'memory', 'pids'];
  const ownPath = opts.ownPath ?? '/';
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-fake-cg2-'));
  const writes: { file: string; value: string }[] = [];
  const file = (dir: string, name: string) => path.join(dir, name);
  const read = (p: string) => fs.readFileSync(p, 'utf8');
  const words = (p: string) => read(p).split(/\s+/).filter(Boolean);
  const children = (dir: string) =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => path.join(dir, e.name));
  const allCgroups = (dir: string): string[] => [dir, ...children(dir).flatMap(allCgroups)];

  /** A cgroup shows the files of the controllers its parent delegates, and no others. */
  const showControllers = (dir: string, available: string[]) => {
    fs.writeFileSync(file(dir, 'cgroup.controllers'), available.join(' '));
    for (const [c, files] of Object.entries(V2_FILES))
      for (const [f, v] of Object.entries(files)) {
        if (available.includes(c) && !fs.existsSync(file(dir, f))) fs.writeFileSync(file(dir, f), v);
        if (!available.includes(c)) fs.rmSync(file(dir, f), { force: true });
      }
  };
  const mkdir = (p: string) => {
    if (fs.existsSync(p)) throw kernelError('EEXIST', 'mkdir', p);
    if (!fs.existsSync(path.dirname(p))) throw kernelError('ENOENT', 'mkdir', p);
    fs.mkdirSync(p);
    fs.writeFileSync(file(p, 'cgroup.procs'), '');
    fs.writeFileSync(file(p, 'cgroup.subtree_control'), '');
    showControllers(p, words(file(path.dirname(p), 'cgroup.subtree_control')));
  };

  fs.writeFileSync(file(root, 'cgroup.controllers'), controllers.join(' '));
  fs.writeFileSync(file(root, 'cgroup.subtree_control'), '');
  fs.writeFileSync(file(root, 'cgroup.procs'), '1\n');
  let own = root;
  for (const part of ownPath.split('/').filter(Boolean)) mkdir((own = path.join(own, part)));
  fs.writeFileSync(file(own, 'cgroup.procs'), `${process.pid}\n`);

  const cgfs: CgroupFs = {
    exists: (p) => fs.existsSync(p),
    mkdir,
    rmdir: (p) => {
      if (p === root || words(file(p, 'cgroup.procs')).length > 0 || children(p).length > 0)
        throw kernelError('EBUSY', 'rmdir', p);
      fs.rmSync(p, { recursive: true });
    },
    read: (p) => read(p),
    write: (p, value) => {
      writes.push({ file: p, value });
      const dir = path.dirname(p);
      // Node opens with O_CREAT: cgroupfs answers EACCES for a file it does not show.
      if (!fs.existsSync(p)) throw kernelError('EACCES', 'write', p);
      switch (path.basename(p)) {
        case 'cgroup.subtree_control': {
          const enabled = new Set(words(p));
          for (const w of value.split(/\s+/).filter(Boolean)) {
            const c = w.slice(1);
            if (!words(file(dir, 'cgroup.controllers')).includes(c)) throw kernelError('ENOENT', 'write', p);
            if (w.startsWith('+')) enabled.add(c);
            else enabled.delete(c);
          }
          if (dir !== root && enabled.size > 0 && words(file(dir, 'cgroup.procs')).length > 0)
            throw kernelError('EBUSY', 'write', p);
          const list = controllers.filter((c) => enabled.has(c));
          fs.writeFileSync(p, list.join(' '));
          for (const child of children(dir)) showControllers(child, list);
          return;
        }
        case 'cgroup.procs': {
          if (dir !== root && words(file(dir, 'cgroup.subtree_control')).length > 0)
            throw kernelError('EBUSY', 'write', p);
          const pid = value.trim();
          for (const cg of allCgroups(root)) {
            const procs = words(file(cg, 'cgroup.procs')).filter((x) => x !== pid);
            fs.writeFileSync(file(cg, 'cgroup.procs'), procs.map((x) => `${x}\n`).join(''));
          }
          fs.appendFileSync(p, `${pid}\n`);
          return;
        }
        case 'pids.max':
          if (!/^(max|\d+)$/.test(value)) throw kernelError('EINVAL', 'write', p);
          fs.writeFileSync(p, value);
          return;
        default:
          fs.writeFileSync(p, value);
      }
    },
  };
  const mountinfo = `25 1 0:23 / ${root} rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`;
  const procCgroup = `0::${ownPath}\n`;
  return { root, cgfs, writes, hierarchies: parseHierarchies(mountinfo, procCgroup), mountinfo, procCgroup };
}

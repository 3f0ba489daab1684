// The list metric's root: one stopped container made by the runtime itself, copied until the
// root holds `count`, each copy's files naming its own id. A copy costs no process and no
// cgroup, which 1000 created containers would (runc's are Go processes); `list` reads the same
// state files either way.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function fillListRoot(root: string, id: string, count: number): void {
  const source = path.join(root, id);
  const files = fs.readdirSync(source).map((name) => ({
    name,
    text: fs.readFileSync(path.join(source, name), 'utf8'),
    mode: fs.statSync(path.join(source, name)).mode & 0o7777,
  }));
  const dirMode = fs.statSync(source).mode & 0o7777;
  for (let i = 1; i < count; i++) {
    const copy = `${id}-${i}`;
    const dir = path.join(root, copy);
    fs.mkdirSync(dir, { mode: dirMode });
    for (const f of files) {
      fs.writeFileSync(path.join(dir, f.name), f.text.replaceAll(`"${id}"`, `"${copy}"`), { mode: f.mode });
    }
  }
}

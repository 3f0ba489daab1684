// The container's init leads its own session and process group, with or without a
// terminal, as runc's init does (nsexec calls setsid for every container): a signal for the
// caller's process group or terminal (Ctrl-C in a shell, a supervisor killing its group)
// does not reach the container.
import * as fs from 'node:fs';
import t from 'tap';
import { Harness } from '../helpers/harness';

const h = new Harness();
t.teardown(() => h.cleanup());

/** pgrp and session of a process, from /proc/PID/stat. */
function sessionOf(pid: number): { pgrp: number; session: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pgrp: Number(fields[2]), session: Number(fields[3]) };
}

const mine = sessionOf(process.pid);

for (const pidNamespace of [true, false]) {
  t.test(`the init is a session leader (${pidNamespace ? 'its own' : 'the host'} pid namespace)`, async (t) => {
    const id = h.id('session');
    const bundle = h.bundle(id, (s) => {
      s.process!.args = ['/probe', 'sleep', '30'];
      if (!pidNamespace) s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
    });
    const c = h.cli(['create', '--bundle', bundle, id]);
    t.equal(c.code, 0, c.stderr);
    const pid = JSON.parse(h.cli(['state', id]).stdout).pid as number;
    t.same(sessionOf(pid), { pgrp: pid, session: pid }, 'created: its own session and process group');
    t.not(sessionOf(pid).session, mine.session, "not the caller's session");
    t.equal(h.cli(['start', id]).code, 0);
    t.same(sessionOf(pid), { pgrp: pid, session: pid }, 'running: the same');
    t.equal(h.cli(['delete', '--force', id]).code, 0);
  });
}

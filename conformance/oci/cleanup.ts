// What a validation test file can leave behind, removed by id, path and pid (never by a
// process name): the containers it created under the runtime's default --root, the suite's
// fixed cgroups, mounts under its TMPDIR, processes left in its process group, and the
// TMPDIR itself.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseHierarchies } from '../../src/cgroups/hierarchies';
import { parseMountinfo } from '../../src/sys/proc';
import { sleepMs } from '../../src/sys/sleep';
import { killGroup } from './run-file';

/** The suite's fixed cgroup names (cgroups.AbsCgroupPath, cgroups.RelCgroupPath), deepest first. */
const SUITE_CGROUPS = ['testdir/cgrouptest/container', 'testdir/cgrouptest', 'testdir', 'cgrouptest'];

function runtimeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** The runtime's containers under its default --root: id -> bundle ('' when not known). */
export function listContainers(runtime: string): Map<string, string> {
  const r = spawnSync(runtime, ['list', '--format', 'json'], { encoding: 'utf8', timeout: 60000, env: runtimeEnv() });
  const found = new Map<string, string>();
  if (r.status !== 0) return found;
  let docs: unknown;
  try {
    docs = JSON.parse(r.stdout);
  } catch {
    return found;
  }
  if (!Array.isArray(docs)) return found;
  for (const d of docs as Record<string, unknown>[])
    if (typeof d.id === 'string') found.set(d.id, typeof d.bundle === 'string' ? d.bundle : '');
  return found;
}

/** True when `p` is `dir` or lies under it. */
function isUnder(p: string, dir: string): boolean {
  return p === dir || p.startsWith(`${dir}/`);
}

/**
 * `delete --force` every container listed now and not in `before` whose bundle lies under
 * `tmpdir` (the suite puts every bundle there); a new container elsewhere is someone else's
 * and is left alone (reported).
 */
function removeNewContainers(runtime: string, before: Map<string, string>, tmpdir: string): string[] {
  const notes: string[] = [];
  for (const [id, bundle] of listContainers(runtime)) {
    if (before.has(id)) continue;
    if (!isUnder(bundle, tmpdir)) {
      notes.push(`container ${id} left alone (bundle ${bundle || '?'} is not this file's)`);
      continue;
    }
    const r = spawnSync(runtime, ['delete', '--force', id], { encoding: 'utf8', timeout: 60000, env: runtimeEnv() });
    notes.push(
      r.status === 0 ? `container ${id} deleted` : `container ${id}: delete --force failed: ${r.stderr.trim()}`,
    );
  }
  return notes;
}

/**
 * Every cgroup hierarchy (v1 and v2 mounts) with the places a suite cgroup name can be
 * relative to: the hierarchy's root (absolute cgroupsPath) and this process's own cgroup in
 * it (a relative cgroupsPath is relative to the runtime's cgroup, which is ours). Reads
 * /proc/self/cgroup and /proc/self/mountinfo unless given their text.
 */
export function cgroupBases(
  selfCgroup = fs.readFileSync('/proc/self/cgroup', 'utf8'),
  mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8'),
): string[] {
  const bases = new Set<string>();
  for (const h of parseHierarchies(mountinfo, selfCgroup)) {
    bases.add(h.mountPoint);
    if (h.ownPath !== '/') bases.add(path.join(h.mountPoint, h.ownPath));
  }
  return [...bases];
}

/** Kills the processes in one cgroup directory by pid and removes it (its children first). */
function removeCgroupDir(dir: string, notes: string[]): void {
  let ents: fs.Dirent[];
  try {
    ents = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of ents) if (e.isDirectory()) removeCgroupDir(path.join(dir, e.name), notes);
  for (let attempt = 0; attempt < 50; attempt++) {
    let pids: number[] = [];
    try {
      pids = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {}
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        if (attempt === 0) notes.push(`pid ${pid} in ${dir} killed`);
      } catch {}
    }
    try {
      fs.rmdirSync(dir);
      notes.push(`cgroup ${dir} removed`);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    }
    sleepMs(100);
  }
  notes.push(`cgroup ${dir} could not be removed`);
}

/** Removes the suite's fixed cgroups (SUITE_CGROUPS) in every hierarchy. */
function removeSuiteCgroups(): string[] {
  const notes: string[] = [];
  for (const base of cgroupBases())
    for (const name of SUITE_CGROUPS) {
      const dir = path.join(base, name);
      if (fs.existsSync(dir)) removeCgroupDir(dir, notes);
    }
  return notes;
}

/** Mount points at or under `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  return parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'))
    .map((m) => m.mountPoint)
    .filter((p) => isUnder(p, dir))
    .sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

/** Unmounts (lazily, by path, deepest first) every mount under `dir`. */
function unmountUnder(dir: string): string[] {
  const notes: string[] = [];
  for (let round = 0; round < 10; round++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return notes;
    for (const p of points) {
      const r = spawnSync('umount', ['--lazy', p], { encoding: 'utf8' });
      notes.push(r.status === 0 ? `unmounted ${p}` : `umount ${p} failed: ${r.stderr.trim()}`);
    }
  }
  return notes;
}

/** The live processes of process group `pgid` (read from /proc/PID/stat). */
function groupMembers(pgid: number): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  if (pgid <= 1) return found;
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${ent}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    // A zombie (Z) is already dead: its parent, or init, reaps it.
    if (Number(fields[2]) !== pgid || fields[0] === 'Z') continue;
    let cmd = stat.slice(stat.indexOf('(') + 1, close);
    try {
      cmd = fs.readFileSync(`/proc/${ent}/cmdline`, 'utf8').split('\0').join(' ').trim() || cmd;
    } catch {}
    found.push({ pid: Number(ent), cmd });
  }
  return found;
}

/**
 * After a file ran: its new containers, what is left in its process group, the suite's
 * cgroups, mounts under its TMPDIR, then the TMPDIR (only when nothing is mounted under it).
 * Returns what was found and done, one note each.
 */
export function cleanupAfterFile(runtime: string, before: Map<string, string>, tmpdir: string, pgid: number): string[] {
  const notes = removeNewContainers(runtime, before, tmpdir);
  for (const p of groupMembers(pgid)) notes.push(`pid ${p.pid} (${p.cmd}) left in process group ${pgid}: killed`);
  killGroup(pgid);
  notes.push(...removeSuiteCgroups());
  notes.push(...unmountUnder(tmpdir));
  if (mountsUnder(tmpdir).length > 0) {
    notes.push(`${tmpdir} kept: mounts remain under it`);
  } else {
    // --one-file-system: never descend into anything mounted after the check above.
    spawnSync('rm', ['-rf', '--one-file-system', tmpdir]);
  }
  return notes;
}

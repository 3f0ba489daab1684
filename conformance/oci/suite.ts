// The OCI runtime-tools validation suite, built once from its source tarball
// (../shared/runtime-tools/runtime-tools-*.tar.gz, relative to the repository root) into
// build/runtime-tools/ with the host's Go (offline: the tarball vendors its modules). The
// build is kept and reused while the tarball and the Go version are unchanged.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Suite {
  /** the directory the tests run from: it holds runtimetest and rootfs-amd64.tar.gz */
  dir: string;
  /** test names (validation/NAME/NAME.t), sorted */
  names: string[];
}

/** The suite's source tarball next to the repository, or undefined when there is none. */
function suiteTarball(repo: string): string | undefined {
  const dir = path.resolve(repo, '..', 'shared', 'runtime-tools');
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  const tarball = entries.filter((e) => /^runtime-tools-.*\.tar\.gz$/.test(e)).sort()[0];
  return tarball ? path.join(dir, tarball) : undefined;
}

/** `go version`'s output, or undefined when Go is not installed. */
function goVersion(): string | undefined {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Why the suite cannot run here (one line), or undefined when it can. */
export function missingPrerequisite(repo: string): string | undefined {
  if (!suiteTarball(repo))
    return `no OCI runtime-tools source: ${path.resolve(repo, '..', 'shared', 'runtime-tools')}/runtime-tools-*.tar.gz is absent`;
  if (!goVersion()) return 'no Go toolchain (`go` is not on PATH; Debian: apt-get install golang-go)';
  return undefined;
}

/** The validation test names present in a built (or extracted) suite directory. */
function testNames(dir: string): string[] {
  const validation = path.join(dir, 'validation');
  return fs
    .readdirSync(validation, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(validation, d.name, `${d.name}.go`)))
    .map((d) => d.name)
    .sort();
}

function isBuilt(dir: string, names: string[]): boolean {
  if (!fs.existsSync(path.join(dir, 'runtimetest'))) return false;
  return names.every((n) => fs.existsSync(path.join(dir, 'validation', n, `${n}.t`)));
}

/**
 * Extracts and builds the suite under `<repo>/build/runtime-tools` unless a build of the same
 * tarball with the same Go is already there. Progress goes to `log`; throws on failure.
 */
export function buildSuite(repo: string, log: (line: string) => void = () => {}): Suite {
  const tarball = suiteTarball(repo);
  const go = goVersion();
  if (!tarball || !go) throw new Error(missingPrerequisite(repo));
  const base = path.join(repo, 'build', 'runtime-tools');
  const dir = path.join(base, 'runtime-tools');
  const stampFile = path.join(base, '.built');
  const st = fs.statSync(tarball);
  const stamp = `${path.basename(tarball)} ${st.size} ${Math.trunc(st.mtimeMs)}\n${go}\n`;
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp && isBuilt(dir, testNames(dir)))
    return { dir, names: testNames(dir) };

  log(`building the OCI validation suite from ${tarball} (${go})`);
  fs.rmSync(base, { recursive: true, force: true });
  fs.mkdirSync(base, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', base], repo);
  if (!fs.existsSync(path.join(dir, 'Makefile'))) throw new Error(`${tarball} has no runtime-tools/Makefile`);
  const env: NodeJS.ProcessEnv = { ...process.env, GOFLAGS: '-mod=vendor', GOPROXY: 'off', GO111MODULE: 'on' };
  // Go needs a build cache; without a HOME it has no default one.
  if (!env.GOCACHE && !env.HOME) env.GOCACHE = path.join(base, '.gocache');
  // COMMIT (from the tarball's name): the suite's Makefile would otherwise run `git describe`
  // inside this repository.
  const commit = path.basename(tarball).replace(/^runtime-tools-|\.tar\.gz$/g, '');
  run('make', ['runtimetest', 'validation-executables', 'GOFLAGS=-mod=vendor', `COMMIT=${commit}`], dir, env);
  const names = testNames(dir);
  if (!isBuilt(dir, names)) throw new Error(`the suite's build in ${dir} is incomplete`);
  fs.writeFileSync(stampFile, stamp);
  return { dir, names };
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout).slice(-2000)}`,
    );
}

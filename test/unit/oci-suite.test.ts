// Whether the OCI validation suite can run here (conformance/oci/suite.ts): its source
// tarball next to the repository (../shared/runtime-tools) and Go; otherwise one line says
// what is missing, and make oci-validation and test/oci skip with it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { missingPrerequisite } from '../../conformance/oci/suite';

t.test('the source tarball is looked for in ../shared/runtime-tools', async (t) => {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-oci-suite-'));
  t.teardown(() => fs.rmSync(top, { recursive: true, force: true }));
  const repo = path.join(top, 'repo');
  fs.mkdirSync(repo);
  t.match(
    missingPrerequisite(repo),
    `no OCI runtime-tools source: ${top}/shared/runtime-tools/runtime-tools-*.tar.gz is absent`,
  );
  fs.mkdirSync(path.join(top, 'shared', 'runtime-tools'), { recursive: true });
  fs.writeFileSync(path.join(top, 'shared', 'runtime-tools', 'README.md'), '');
  t.match(missingPrerequisite(repo), /^no OCI runtime-tools source/, 'a directory without the tarball');
  fs.writeFileSync(path.join(top, 'shared', 'runtime-tools', 'runtime-tools-0105384.tar.gz'), '');
  const haveGo = spawnSync('go', ['version']).status === 0;
  t.equal(
    missingPrerequisite(repo),
    haveGo ? undefined : 'no Go toolchain (`go` is not on PATH; Debian: apt-get install golang-go)',
  );
});

// Probe bundles: bundles/probe/config.json and a private copy of build/rootfs in a tmpdir,
// the config editable before (and after: save()) it is written.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './runtime';

const ROOTFS = path.join(REPO, 'build', 'rootfs');
const BASE_CONFIG = path.join(REPO, 'bundles', 'probe', 'config.json');

export type Config = any;

export interface Bundle {
  dir: string;
  id: string;
  rootfs: string;
  config: Config;
  /** rewrite config.json from `config` (after editing it) */
  save(): void;
}

/** Changes a bundle's config before it is first written. */
export type ConfigEdit = (config: Config, b: { dir: string; rootfs: string; id: string }) => void;

/** Throws unless build/rootfs (with the probe) is built. */
export function requireRootfs(): void {
  if (!fs.existsSync(path.join(ROOTFS, 'probe'))) {
    throw new Error(`${ROOTFS} is not built: run 'make build/probe build/rootfs/.done'`);
  }
}

/** The bundle of container `id` at `dir` (which must not exist): the base config with
 * linux.cgroupsPath set to `cgroupsPath`, then `edit`, and a copy of build/rootfs. */
export function makeBundle(dir: string, id: string, cgroupsPath: string, edit?: ConfigEdit): Bundle {
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(dir);
  const cp = spawnSync('cp', ['-a', ROOTFS, rootfs]);
  if (cp.status !== 0) throw new Error(`cp -a rootfs failed: ${cp.stderr}`);
  fs.rmSync(path.join(rootfs, '.done'), { force: true });
  const config: Config = JSON.parse(fs.readFileSync(BASE_CONFIG, 'utf8'));
  config.linux.cgroupsPath = cgroupsPath;
  edit?.(config, { dir, rootfs, id });
  const b: Bundle = {
    dir,
    id,
    rootfs,
    config,
    save() {
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(b.config, null, 2));
    },
  };
  b.save();
  return b;
}

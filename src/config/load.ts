// Reads <bundle>/config.json: parse, schema, semantics. The first problem becomes one
// TsrunError whose message names the file, the JSON path or the line:column.

import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, TsrunError } from '../errors';
import { nodeErrorText } from '../errno';
import { findJsonSyntaxError } from './json-syntax';
import { mountDestination } from './mount-rules';
import { checkSpec } from './semantics';
import type { Spec } from './types';
import { validateConfigSchema } from './validate';

/** JSON text -> value; a syntax error becomes `config.json: invalid JSON at line L, column C: ...`. */
export function parseConfigJson(text: string, fileLabel = 'config.json'): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = findJsonSyntaxError(text);
    const problem = where
      ? `invalid JSON at line ${where.line}, column ${where.column}: ${where.problem}`
      : `invalid JSON: ${(error as Error).message}`;
    if (fileLabel === 'config.json') throw new ConfigError('', problem);
    throw new TsrunError('ERR_TSRUN_CONFIG', `${fileLabel}: ${problem}`);
  }
}

/** Reads config.json; a missing bundle is told apart from a missing file. */
function readConfigFile(file: string, bundleDir: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
      // Only on the error path: say which of the two is missing.
      const stat = statSync(bundleDir, { throwIfNoEntry: false });
      if (!stat) throw new TsrunError('ERR_TSRUN_NOT_FOUND', `bundle ${bundleDir}: no such file or directory`);
      if (!stat.isDirectory()) throw new TsrunError('ERR_TSRUN_NOT_FOUND', `bundle ${bundleDir}: not a directory`);
    }
    // config.json missing is a config problem, not a "not found".
    throw new TsrunError('ERR_TSRUN_CONFIG', `open ${file}: ${nodeErrorText(err)}`, { cause: error });
  }
}

/** Loads, validates and checks `<bundleDir>/config.json` for `create`/`run`. */
export function loadSpec(bundleDir: string): Spec {
  const bundle = resolve(bundleDir);
  const doc = parseConfigJson(readConfigFile(join(bundle, 'config.json'), bundle));
  validateConfigSchema(doc);
  checkSpec(doc, bundle);
  for (const mount of doc.mounts ?? []) mount.destination = mountDestination(mount.destination);
  return doc;
}

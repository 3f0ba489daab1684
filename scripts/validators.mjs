#!/usr/bin/env node
// Build step: compile schemas/*.schema.json with ajv into standalone validation code,
// then let esbuild inline the few ajv runtime helpers that code requires, so that
// dist/validators.cjs is one self-contained CommonJS file. The runtime never compiles
// a schema (ajv's compiler costs tens of ms at every start; the generated code, ~1 ms).
//
// Exports: validateConfig, validateProcess (an exec --process object), validateResources
// (an update --resources object), validateState, validateFeatures; each is ajv's (data) => boolean with .errors.
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Ajv = require('ajv').default;
const standaloneCode = require('ajv/dist/standalone').default;
const esbuild = require('esbuild');

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(repo, 'dist', 'validators.cjs');

function loadSchema(name) {
  return JSON.parse(readFileSync(join(repo, 'schemas', name), 'utf8'));
}

const config = loadSchema('config.schema.json');
const state = loadSchema('state.schema.json');
const features = loadSchema('features.schema.json');

const ajv = new Ajv({
  code: { source: true, optimize: true },
  allErrors: false, // the caller reports the first error only
  strict: true,
  allowUnionTypes: true,
  messages: false, // src/config/validate.ts words the problem from keyword + params
  inlineRefs: false, // one function per definition: a smaller file to parse at start-up
});
ajv.addSchema([config, state, features]);

const source = standaloneCode(ajv, {
  validateConfig: config.$id,
  validateProcess: `${config.$id}#/definitions/Process`,
  validateResources: `${config.$id}#/definitions/Resources`,
  validateState: state.$id,
  validateFeatures: features.$id,
});

mkdirSync(dirname(out), { recursive: true });
const tmp = `${out}.raw.cjs`;
writeFileSync(tmp, source);
try {
  await esbuild.build({
    entryPoints: [tmp],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
} finally {
  rmSync(tmp, { force: true });
}
console.log(`validators: ${out}`);

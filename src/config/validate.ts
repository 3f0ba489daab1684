// Schema validation with the validators ajv generated at build time (scripts/validators.mjs
// -> dist/validators.cjs). Nothing here imports ajv: compiling schemas at run time would
// cost more than the rest of a tsrun command. The first ajv error becomes one ConfigError.

import { ConfigError, TsrunError } from '../errors';
import { appendKey, pointerToJsonPath, valueAtPointer } from './json-path';
import type { Process, Resources, Spec } from './types';
import { quote } from './rule-kit';

/** The part of an ajv ErrorObject we read (generated with messages: false). */
export interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
}

export interface ValidateFunction {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

export interface Validators {
  validateConfig: ValidateFunction;
  validateProcess: ValidateFunction;
  validateResources: ValidateFunction;
  validateState: ValidateFunction;
  validateFeatures: ValidateFunction;
}

let cachedValidators: Validators | undefined;

/**
 * dist/validators.cjs, on first use. The bundler inlines it (evaluated only here), so the
 * launcher's code cache holds it too; from sources (tests) it is read from dist/.
 */
export function loadValidators(): Validators {
  cachedValidators ??= require('../../dist/validators.cjs') as Validators;
  return cachedValidators;
}

/** Plain-language problem for one schema error; `value` is the offending value, if any. */
export function describeSchemaProblem(error: SchemaError, value: unknown): string {
  const p = error.params;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'type':
      return `must be ${String(p.type)}`;
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(quote).join(', ');
      return `must be one of ${allowed}, got ${quote(value)}`;
    }
    case 'const':
      return `must be ${quote(p.allowedValue)}, got ${quote(value)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(p.comparison)} ${String(p.limit)}, got ${quote(value)}`;
    case 'pattern':
      return `must match ${String(p.pattern)}, got ${quote(value)}`;
    case 'minItems':
      return p.limit === 1 ? 'must not be empty' : `must have at least ${String(p.limit)} items`;
    case 'maxItems':
      return `must have at most ${String(p.limit)} items`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long`;
    case 'additionalProperties':
      return `unknown property ${quote(p.additionalProperty)}`;
    default:
      return `is invalid (${error.keyword})`;
  }
}

/** The ConfigError for an ajv error: `required` names the missing property itself. */
export function schemaErrorToConfigError(error: SchemaError, doc: unknown, pathPrefix = ''): ConfigError {
  let jsonPath = pointerToJsonPath(error.instancePath, doc);
  if (error.keyword === 'required') jsonPath = appendKey(jsonPath, String(error.params.missingProperty));
  if (pathPrefix) jsonPath = jsonPath ? `${pathPrefix}.${jsonPath}` : pathPrefix;
  const problem = describeSchemaProblem(error, valueAtPointer(doc, error.instancePath));
  return new ConfigError(jsonPath, problem);
}

function check(validate: ValidateFunction, doc: unknown, pathPrefix = ''): void {
  if (validate(doc)) return;
  const first = validate.errors?.[0];
  if (!first) throw new ConfigError(pathPrefix, 'is invalid');
  throw schemaErrorToConfigError(first, doc, pathPrefix);
}

/** Throws a ConfigError naming the first schema violation of a config.json document. */
export function validateConfigSchema(doc: unknown): asserts doc is Spec {
  check(loadValidators().validateConfig, doc);
}

/** The same for an exec process object (`tsrun exec --process FILE`): paths start with `process`. */
export function validateProcessSchema(doc: unknown): asserts doc is Process {
  check(loadValidators().validateProcess, doc, 'process');
}

/** A linux.resources object given on the command line (`update --resources FILE`): the
 * problem reads `--resources: memory.limit: must be integer`, naming the flag, not config.json. */
export function validateResourcesSchema(doc: unknown, flag: string): asserts doc is Resources {
  const validate = loadValidators().validateResources;
  if (validate(doc)) return;
  const first = validate.errors?.[0];
  if (!first) throw new TsrunError('ERR_TSRUN_CONFIG', `${flag}: is invalid`);
  const { jsonPath, problem } = schemaErrorToConfigError(first, doc);
  throw new TsrunError('ERR_TSRUN_CONFIG', jsonPath ? `${flag}: ${jsonPath}: ${problem}` : `${flag}: ${problem}`);
}

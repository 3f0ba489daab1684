// ajv instancePath -> the JSON path our messages print, and the problem wording.

import t from 'tap';
import { appendIndex, appendKey, pointerToJsonPath, valueAtPointer } from '../../src/config/json-path';
import { describeSchemaProblem, schemaErrorToConfigError } from '../../src/config/validate';

t.test('pointerToJsonPath without a document', (t) => {
  t.equal(pointerToJsonPath(''), '');
  t.equal(pointerToJsonPath('/process'), 'process');
  t.equal(pointerToJsonPath('/process/args'), 'process.args');
  t.equal(pointerToJsonPath('/linux/namespaces/1/type'), 'linux.namespaces[1].type');
  t.equal(pointerToJsonPath('/mounts/12/options/0'), 'mounts[12].options[0]');
  t.equal(pointerToJsonPath('/linux/sysctl/net.ipv4.ip_forward'), 'linux.sysctl."net.ipv4.ip_forward"');
  t.equal(pointerToJsonPath('/annotations/a~1b~0c'), 'annotations."a/b~c"', 'RFC 6901 escapes decoded');
  t.equal(pointerToJsonPath('/annotations/with space'), 'annotations."with space"');
  t.equal(pointerToJsonPath('/x/01'), 'x."01"', 'a leading zero is not an index');
  t.end();
});

t.test('pointerToJsonPath with the document tells keys from indexes', (t) => {
  const doc = { annotations: { '0': 'x' }, mounts: [{ options: ['ro'] }] };
  t.equal(pointerToJsonPath('/annotations/0', doc), 'annotations."0"');
  t.equal(pointerToJsonPath('/mounts/0/options/0', doc), 'mounts[0].options[0]');
  t.equal(valueAtPointer(doc, '/mounts/0/options/0'), 'ro');
  t.equal(valueAtPointer(doc, '/annotations/0'), 'x');
  t.equal(valueAtPointer(doc, '/nope/deeper'), undefined);
  t.end();
});

t.test('appendKey and appendIndex', (t) => {
  t.equal(appendKey('', 'linux'), 'linux');
  t.equal(appendKey('linux', 'sysctl'), 'linux.sysctl');
  t.equal(appendKey('linux.sysctl', 'kernel.shmmax'), 'linux.sysctl."kernel.shmmax"');
  t.equal(appendKey('a', 'b"c'), 'a."b\\"c"');
  t.equal(appendIndex('mounts', 3), 'mounts[3]');
  t.end();
});

t.test('schema problems in plain words', (t) => {
  const at = (keyword: string, params: Record<string, unknown>, value?: unknown) =>
    describeSchemaProblem({ instancePath: '/x', keyword, params }, value);
  t.equal(at('required', { missingProperty: 'path' }), 'is required');
  t.equal(at('type', { type: 'string' }), 'must be string');
  t.equal(at('enum', { allowedValues: ['a', 'b'] }, 'c'), 'must be one of "a", "b", got "c"');
  t.equal(at('minimum', { comparison: '>=', limit: 0 }, -1), 'must be >= 0, got -1');
  t.equal(at('maximum', { comparison: '<=', limit: 511 }, 8630), 'must be <= 511, got 8630');
  t.equal(at('pattern', { pattern: '^RLIMIT_[A-Z]+$' }, 'x'), 'must match ^RLIMIT_[A-Z]+$, got "x"');
  t.equal(at('minItems', { limit: 1 }), 'must not be empty');
  t.equal(at('minItems', { limit: 2 }), 'must have at least 2 items');
  t.equal(at('minLength', { limit: 1 }), 'must not be empty');
  t.equal(at('whatever', {}), 'is invalid (whatever)');
  t.end();
});

t.test('a required error names the missing property in the path', (t) => {
  const doc = { mounts: [{}, { source: 'x' }] };
  const error = schemaErrorToConfigError(
    { instancePath: '/mounts/1', keyword: 'required', params: { missingProperty: 'destination' } },
    doc,
  );
  t.equal(error.jsonPath, 'mounts[1].destination');
  t.equal(error.problem, 'is required');
  t.equal(error.message, 'config.json: mounts[1].destination: is required');
  t.equal(error.code, 'ERR_TSRUN_CONFIG');
  const top = schemaErrorToConfigError(
    { instancePath: '', keyword: 'required', params: { missingProperty: 'ociVersion' } },
    {},
  );
  t.equal(top.message, 'config.json: ociVersion: is required');
  const prefixed = schemaErrorToConfigError(
    { instancePath: '/args', keyword: 'type', params: { type: 'array' } },
    { args: 'sh' },
    'process',
  );
  t.equal(prefixed.message, 'config.json: process.args: must be array');
  t.end();
});

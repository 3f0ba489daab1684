// loadSpec: file errors, JSON syntax with line:column, schema and semantic errors in one line.

import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { findJsonSyntaxError } from '../../src/config/json-syntax';
import { loadSpec, parseConfigJson } from '../../src/config/load';
import { baseConfig } from '../fixtures/configs/base-config';
import { thrown } from '../helpers/thrown';

function bundle(t: { testdir: (fixture: any) => string }, config: string | object): string {
  const text = typeof config === 'string' ? config : JSON.stringify(config, null, 2);
  return t.testdir({ rootfs: {}, 'config.json': text });
}

t.test('a good bundle loads', (t) => {
  const dir = bundle(t, baseConfig());
  const spec = loadSpec(dir);
  t.equal(spec.process?.args?.[0], 'sh');
  t.same(spec, baseConfig());
  t.end();
});

t.test('a missing bundle directory is named', (t) => {
  const dir = path.join(t.testdir({}), 'nope');
  const error = thrown(() => loadSpec(dir));
  t.equal(error.code, 'ERR_TSRUN_NOT_FOUND');
  t.equal(error.message, `bundle ${dir}: no such file or directory`);
  t.end();
});

t.test('a bundle that is a file', (t) => {
  const dir = t.testdir({ file: 'x' });
  const error = thrown(() => loadSpec(path.join(dir, 'file')));
  t.equal(error.code, 'ERR_TSRUN_NOT_FOUND');
  t.equal(error.message, `bundle ${path.join(dir, 'file')}: not a directory`);
  t.end();
});

t.test('a missing config.json is named with its path', (t) => {
  const dir = t.testdir({ rootfs: {} });
  const error = thrown(() => loadSpec(dir));
  t.equal(error.code, 'ERR_TSRUN_CONFIG');
  t.equal(error.message, `open ${path.join(dir, 'config.json')}: no such file or directory`);
  t.end();
});

t.test('a relative bundle path is resolved', (t) => {
  const dir = bundle(t, baseConfig());
  const cwd = process.cwd();
  process.chdir(path.dirname(dir));
  t.teardown(() => process.chdir(cwd));
  t.equal(loadSpec(path.basename(dir)).ociVersion, '1.0.2-dev');
  t.end();
});

t.test('malformed JSON names line and column', (t) => {
  const cases: [string, string][] = [
    [
      '{\n  "ociVersion": "1.0.2",\n  "process": {\n    "cwd": "/",\n  }\n}',
      'line 5, column 3: expected a property name in double quotes, got "}"',
    ],
    [
      '{"ociVersion": "1.0.2" "root": {}}',
      "line 1, column 24: expected ',' or '}' after a property value, got \"\\\"\"",
    ],
    ['{\n"a": [1, 2,, 3]}', 'line 2, column 12: expected a value, got ","'],
    ['{"a": tru}', 'line 1, column 7: expected a value, got "t"'],
    ['', 'line 1, column 1: expected a value, got end of file'],
    ['{"a": "x', 'line 1, column 9: unterminated string'],
    ['{"a": 1}\n}', 'line 2, column 1: unexpected content after the top-level value'],
    ['{"a": "\\q"}', 'line 1, column 8: invalid escape in string'],
    ['{"a": -}', 'line 1, column 7: expected a number, got "-"'],
    ['\ufeff{}', 'line 1, column 1: expected a value, got "\ufeff"'],
  ];
  for (const [text, where] of cases) {
    const dir = bundle(t, text);
    const error = thrown(() => loadSpec(dir));
    t.equal(error.code, 'ERR_TSRUN_CONFIG', JSON.stringify(text));
    t.equal(error.message, `config.json: invalid JSON at ${where}`, JSON.stringify(text));
  }
  t.end();
});

t.test('the syntax scanner accepts what JSON.parse accepts', (t) => {
  const good = [
    '{}',
    '[]',
    '0',
    '-1.5e+3',
    '"\\u00e9\\n"',
    ' {"a": [true, false, null, {"b": []}]} ',
    JSON.stringify(baseConfig(), null, 2),
  ];
  for (const text of good) {
    JSON.parse(text);
    t.equal(findJsonSyntaxError(text), undefined, text.slice(0, 40));
  }
  t.throws(() => parseConfigJson('{'), {
    message:
      'config.json: invalid JSON at line 1, column 2: expected a property name in double quotes, got end of file',
  });
  t.end();
});

t.test('schema errors come out as one line with the JSON path', (t) => {
  const cases: [object | unknown[], string][] = [
    [{ ...baseConfig(), ociVersion: 1 }, 'config.json: ociVersion: must be string'],
    [{ ...baseConfig(), process: { ...baseConfig().process, args: 'sh' } }, 'config.json: process.args: must be array'],
    [[], 'config.json: must be object'],
  ];
  for (const [doc, message] of cases) {
    const error = thrown(() => loadSpec(bundle(t, doc)));
    t.equal(error.code, 'ERR_TSRUN_CONFIG');
    t.equal(error.message, message);
    t.notMatch(error.message, /\n/, 'one line');
  }
  t.end();
});

t.test('semantic errors come after the schema', (t) => {
  const spec = baseConfig();
  spec.linux!.namespaces![1] = { type: 'foo' as 'pid' };
  const error = thrown(() => loadSpec(bundle(t, spec)));
  t.equal(error.message, 'config.json: linux.namespaces[1].type: unknown namespace type "foo"');
  const noRootfs = t.testdir({ 'config.json': JSON.stringify(baseConfig()) });
  t.equal(
    thrown(() => loadSpec(noRootfs)).message,
    `config.json: root.path: rootfs directory ${path.join(noRootfs, 'rootfs')} does not exist`,
  );
  t.end();
});

t.test('unreadable config.json', { skip: process.getuid?.() === 0 ? 'root reads everything' : false }, (t) => {
  const dir = bundle(t, baseConfig());
  fs.chmodSync(path.join(dir, 'config.json'), 0);
  t.equal(thrown(() => loadSpec(dir)).message, `open ${path.join(dir, 'config.json')}: permission denied`);
  t.end();
});

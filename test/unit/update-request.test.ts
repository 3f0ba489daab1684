// `tsrun update`'s request: runc's single flags with their value syntax (go-units memory
// sizes, Go integers), --resources read from a file and validated with its JSON path, and
// the Intel RDT flags refused.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { parseRamSize } from '../../src/cli/ram-size';
import { updateRequest } from '../../src/cli/update-request';

t.test('memory sizes as go-units RAMInBytes reads them', async (t) => {
  const good: [string, number][] = [
    ['0', 0],
    ['512', 512],
    ['512b', 512],
    ['4k', 4096],
    ['4K', 4096],
    ['512m', 512 << 20],
    ['512MB', 512 << 20],
    ['1g', 2 ** 30],
    ['1GiB', 2 ** 30],
    ['1.5g', 1.5 * 2 ** 30],
    ['100 KiB', 102400],
    ['2t', 2 * 2 ** 40],
  ];
  for (const [text, bytes] of good) t.equal(parseRamSize(text), bytes, text);
  const bad: [string, RegExp][] = [
    ['abc', /invalid size: 'abc'/],
    ['', /invalid size/],
    ['-5', /invalid size: '-5'/],
    ['12x', /invalid suffix: 'x'/],
    ['1kbb', /invalid suffix/],
    ['1mx', /invalid suffix/],
    ['1kib2', /invalid size/],
    ['1bb', /invalid suffix/],
    ['99999999p', /out of range/],
  ];
  for (const [text, problem] of bad) t.match(parseRamSize(text), { problem }, `${JSON.stringify(text)} refused`);
});

t.test('each single flag sets its linux.resources field, labelled with the flag', async (t) => {
  const r = updateRequest({
    'blkio-weight': '500',
    'cpu-period': '100000',
    'cpu-quota': '-1',
    'cpu-burst': '1000',
    'cpu-share': '512',
    'cpu-rt-period': '1000000',
    'cpu-rt-runtime': '950000',
    'cpuset-cpus': '0-1',
    'cpuset-mems': '0',
    'cpu-idle': '1',
    memory: '512m',
    'memory-reservation': '256m',
    'memory-swap': '-1',
    'pids-limit': '-1',
  });
  t.same(r.resources, {
    blockIO: { weight: 500 },
    cpu: {
      cpus: '0-1',
      mems: '0',
      burst: 1000,
      period: 100000,
      realtimePeriod: 1000000,
      shares: 512,
      quota: -1,
      realtimeRuntime: 950000,
      idle: 1,
    },
    memory: { limit: 512 << 20, swap: -1, reservation: 256 << 20 },
    pids: { limit: -1 },
  });
  t.equal(r.label('memory.limit'), '--memory');
  t.equal(r.label('pids.limit'), '--pids-limit');
  t.equal(r.label('memory.swap'), '--memory-swap');
  t.equal(r.label('cpu.quota'), '--cpu-quota');
  t.equal(r.label('cpu.period'), '--cpu-period');
  t.equal(r.flagsUnused, false);
});

t.test('empty values and a 0 blkio weight are not given (runc)', async (t) => {
  t.same(updateRequest({ memory: '', 'cpuset-cpus': '', 'blkio-weight': '0' }).resources, {});
  t.same(updateRequest({}).resources, {});
  t.same(updateRequest({ 'pids-limit': '0' }).resources, { pids: { limit: 0 } });
  t.same(updateRequest({ 'kernel-memory': '1g' }).resources, { memory: { kernel: 2 ** 30 } });
});

t.test('a malformed flag value is one error naming the flag', async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ memory: 'abc' }, /^invalid value for --memory: invalid size: 'abc'$/],
    [{ 'memory-swap': '-2' }, /^invalid value for --memory-swap: invalid size: '-2'$/],
    [{ 'memory-reservation': '1q' }, /^invalid value for --memory-reservation: invalid suffix: 'q'$/],
    [{ 'pids-limit': 'x' }, /^invalid value for --pids-limit: "x" is not an integer$/],
    [{ 'pids-limit': '1.5' }, /--pids-limit/],
    [{ 'cpu-period': '-1' }, /^invalid value for --cpu-period: "-1" is not a non-negative integer$/],
    [{ 'cpu-share': '2x' }, /--cpu-share/],
    [{ 'cpu-quota': '99999999999999999999' }, /^invalid value for --cpu-quota: .* is out of range$/],
    [{ 'blkio-weight': '70000' }, /--blkio-weight: "70000" is out of range/],
    [{ 'cpu-idle': 'yes' }, /--cpu-idle/],
  ];
  for (const [flags, message] of cases) t.throws(() => updateRequest(flags), { message }, JSON.stringify(flags));
});

t.test('Intel RDT flags are refused with runc words', async (t) => {
  t.throws(() => updateRequest({ 'l3-cache-schema': 'L3:0=f' }), {
    message: 'Intel RDT/CAT: l3 cache schema is not enabled',
  });
  t.throws(() => updateRequest({ 'mem-bw-schema': 'MB:0=50' }), {
    message: 'Intel RDT/MBA: memory bandwidth schema is not enabled',
  });
});

function resourcesFile(t: { teardown(fn: () => void): void }, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-update-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'r.json');
  fs.writeFileSync(file, text);
  return file;
}

t.test('--resources: a file is read and validated; problems name the JSON path', async (t) => {
  const ok = resourcesFile(t, '{"memory": {"limit": 1048576}, "pids": {"limit": 9}}');
  const r = updateRequest({ resources: ok });
  t.same(r.resources, { memory: { limit: 1048576 }, pids: { limit: 9 } });
  t.equal(r.label('memory.limit'), '--resources: memory.limit');
  t.equal(r.flagsUnused, false);
  t.equal(updateRequest({ resources: ok, memory: '1g' }).flagsUnused, true, 'other flags are unused, as runc');
  const cases: [string, RegExp][] = [
    ['{"memory": {"limit": "1g"}}', /^--resources: memory\.limit: must be integer$/],
    ['{"pids": {}}', /^--resources: pids\.limit: is required$/],
    ['{"cpu": {"shares": -1}}', /^--resources: cpu\.shares: must be >= 0/],
    ['[]', /^--resources: must be object$/],
    ['{"memory": ', /^--resources: invalid JSON at line 1, column 12: /],
    ['', /^--resources: invalid JSON/],
  ];
  for (const [text, message] of cases)
    t.throws(() => updateRequest({ resources: resourcesFile(t, text) }), { message }, text);
  t.throws(() => updateRequest({ resources: '/nonexistent/r.json' }), {
    message: /^--resources: read \/nonexistent\/r\.json: /,
  });
});

// The addon's ABI numbers (addon/src/abi.h, exported as `constants`) must equal the
// enums SyncType and ChildStep in src/plan/types.ts, name for name.
import t from 'tap';
import { ChildStep, SyncType } from '../../src/plan/types';
import { native } from '../../src/sys/native';

/** `SyncType_Go` -> 1, ... from a numeric enum (skipping its reverse mapping). */
function members(prefix: string, e: Record<string, string | number>): [string, number][] {
  return Object.entries(e)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([k, v]) => [`${prefix}_${k}`, v]);
}

const expected = new Map([...members('SyncType', SyncType), ...members('ChildStep', ChildStep)]);

t.test('abi: the enums are read, not empty', async (t) => {
  t.ok(
    [...expected.keys()].some((k) => k.startsWith('SyncType_')),
    'SyncType members found',
  );
  t.ok(
    [...expected.keys()].some((k) => k.startsWith('ChildStep_')),
    'ChildStep members found',
  );
  t.equal(expected.get('SyncType_Go'), 1, 'SyncType.Go is 1');
});

t.test('abi: addon constants equal SyncType and ChildStep, name for name', async (t) => {
  const constants = native().constants;
  const actual = new Map(
    Object.entries(constants).filter(([k]) => k.startsWith('SyncType_') || k.startsWith('ChildStep_')),
  );
  for (const [k, v] of expected) t.equal(actual.get(k), v, `${k} = ${v}`);
  const extra = [...actual.keys()].filter((k) => !expected.has(k));
  t.same(extra, [], 'no addon constant unknown to types.ts');
});

t.test('abi: the sync message is 224 bytes, as SyncMsg in abi.h', async (t) => {
  t.equal(native().constants.SyncMessageSize, 224);
});

t.test('abi: constants cannot be changed at run time', async (t) => {
  t.ok(Object.isFrozen(native().constants));
});

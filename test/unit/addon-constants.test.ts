// The addon's ABI numbers (addon/src/abi.h, exported as `constants`) must equal the
// const enums SyncType and ChildStep in src/plan/types.ts. A const enum is inlined at
// compile time and may not exist at run time, so its members are read from the source.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { native } from '../../src/sys/native';

const TYPES = path.join(__dirname, '..', '..', 'src', 'plan', 'types.ts');

/** Members of `export const enum NAME { A = 1, B = 2 }`, in source order. */
function readEnum(source: string, name: string): Map<string, number> {
  const m = new RegExp(`export\\s+const\\s+enum\\s+${name}\\s*\\{([^}]*)\\}`).exec(source);
  if (!m?.[1]) throw new Error(`enum ${name} not found in ${TYPES}`);
  const members = new Map<string, number>();
  const body = m[1].replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '');
  for (const part of body.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const mm = /^([A-Za-z_$][\w$]*)\s*=\s*(\d+)$/.exec(item);
    if (!mm?.[1] || !mm[2]) throw new Error(`enum ${name}: cannot read member "${item}" (explicit numbers only)`);
    members.set(mm[1], Number(mm[2]));
  }
  return members;
}

const source = fs.readFileSync(TYPES, 'utf8');
const expected = new Map<string, number>();
for (const e of ['SyncType', 'ChildStep']) {
  for (const [k, v] of readEnum(source, e)) expected.set(`${e}_${k}`, v);
}

t.test('abi: the enums parsed from src/plan/types.ts are not empty', async (t) => {
  t.ok(
    [...expected.keys()].some((k) => k.startsWith('SyncType_')),
    'SyncType members found',
  );
  t.ok(
    [...expected.keys()].some((k) => k.startsWith('ChildStep_')),
    'ChildStep members found',
  );
  t.equal(expected.get('SyncType_Go'), 1, 'parser reads SyncType.Go');
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

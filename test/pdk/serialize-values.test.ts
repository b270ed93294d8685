// kong.log.setSerializeValue's edits of the log record, as Kong's edit_result (kong/pdk/log.lua) and its examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applySerializeValues, type SerializeValue } from '../../src/pdk/serialize-values.ts';

const set = (key: string, value: unknown, mode: SerializeValue['mode'] = 'set'): SerializeValue => ({ key, value, mode });

const ROWS: readonly [string, Record<string, unknown>, SerializeValue[], Record<string, unknown>][] = [
  ['adds a new value', {}, [set('my_new_value', 1)], { my_new_value: 1 }],
  ['a table value', {}, [set('my', { new: { value: 2 } })], { my: { new: { value: 2 } } }],
  ['changes an existing value', { my_new_value: 1 }, [set('my_new_value', 3)], { my_new_value: 3 }],
  ['undefined removes it', { my_new_value: 1, kept: true }, [set('my_new_value', undefined)], { kept: true }],
  ['dots are sub-records, made as needed', { my: { old: 1 } }, [set('my.new.value', 4)], { my: { old: 1, new: { value: 4 } } }],
  ['an escaped dot is a dot', {}, [set('my\\.new\\.value', 5)], { 'my.new.value': 5 }],
  ['add: only what is absent', { a: 1 }, [set('a', 2, 'add'), set('b', 3, 'add')], { a: 1, b: 3 }],
  ['replace: only what is there', { a: 1 }, [set('a', 2, 'replace'), set('b', 3, 'replace'), set('c.d', 4, 'replace')], { a: 2 }],
];

for (const [name, root, values, expected] of ROWS) {
  test(`setSerializeValue: ${name}`, () => assert.deepEqual(applySerializeValues(root, values), expected));
}

test('setSerializeValue: a frozen entity in the record is copied, not changed', () => {
  const route = Object.freeze({ id: 'r', name: 'route' });
  const record = applySerializeValues({ route }, [set('route.name', 'changed')]);
  assert.deepEqual(record.route, { id: 'r', name: 'changed' });
  assert.equal(route.name, 'route');
});

test('setSerializeValue: a key through a value that is not a record is an error naming it', () => {
  assert.throws(() => applySerializeValues({ a: 1 }, [set('a.b', 2)]), /The key 'a\.b' could not be used as a serialize value\. Subkey 'a' is not a table/);
});

// Kong's own declarative files (from Kong's ingress controller): every Kong-native one must load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { load } from '../helpers/config.ts';
import { formatIssue } from '../../src/errors.ts';

const dir = new URL('../../../shared/kong-corpus/kic-golden/', import.meta.url);

/** Deliberate differences from Kong, each with its reason. */
const EXPECTED_DIFFERENCES: Record<string, readonly RegExp[]> = {
  // Kong Enterprise's degraphql plugin and its custom entity: neither is part of this gateway.
  'fallback-config-kong-custom-entities-ee__default_golden.yaml': [/^2:1 degraphql_routes: unknown field$/, /plugins\[0\]\.name: plugin 'degraphql' not enabled/],
  'kong-custom-entity-ee__default_golden.yaml': [/^2:1 degraphql_routes: unknown field$/, /plugin 'degraphql' not enabled/],
};

if (!existsSync(dir)) {
  test('Kong corpus', { skip: '../shared/kong-corpus is absent on this machine' }, () => {});
} else {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  test('the corpus is there', () => assert.ok(files.length >= 55, `found ${files.length} files`));
  for (const file of files) {
    test(`corpus: ${file}`, () => {
      const result = load(readFileSync(new URL(file, dir), 'utf8'), file);
      const errors = result.issues.filter((i) => i.severity === 'error').map((i) => formatIssue(i).replace(`${file}:`, ''));
      const expected = EXPECTED_DIFFERENCES[file];
      if (expected) {
        assert.equal(errors.length, expected.length, errors.join('\n'));
        expected.forEach((re, i) => {
          assert.match(errors[i]!, re);
        });
      }
      else assert.deepEqual(errors, [], 'a Kong-native file must load');
    });
  }
  test('corpus ids: explicit ids are kept, derived ones equal what Kong wrote', () => {
    const file = 'credentials__default_golden.yaml';
    const text = readFileSync(new URL(file, dir), 'utf8');
    const result = load(text.replace(/\n {2}id: 7deb6e70-60be-5dd2-b374-06551479ea5e/, ''), file);
    assert.equal(result.config?.consumers[0]?.id, '7deb6e70-60be-5dd2-b374-06551479ea5e');
  });
}

// Kong's spec/02-integration/13-vaults/02-env_vault_spec.lua (kong.vault.get with the env vault) and
// spec/03-plugins/03-http-log/03-schem-vault_spec.lua (a referenceable plugin field dereferenced), as tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../src/declarative/load-config.ts';
import { parseReference, readEnvVault } from '../../src/declarative/vault-reference.ts';
import { formatIssue } from '../../src/errors.ts';
import { bundledCatalog } from '../helpers/config.ts';

const SPEC = 'spec/02-integration/13-vaults/02-env_vault_spec.lua';

/** kong.vault.get for the env vault: the value, or the error. */
function get(reference: string, env: Record<string, string>): { value?: string; error?: string } {
  const ref = parseReference(reference);
  if (typeof ref === 'string') return { error: ref };
  const read = readEnvVault(ref, ref.config.prefix, env);
  return read.ok ? { value: read.value } : { error: read.message };
}

const ROWS: readonly { name: string; reference: string; env: Record<string, string>; value?: string; error?: RegExp }[] = [
  { name: `${SPEC}:18 get undefined`, reference: '{vault://env/test_env_na}', env: {}, error: /environment variable 'TEST_ENV_NA' is not set/ },
  { name: `${SPEC}:25 get empty value`, reference: '{vault://env/test_env_empty}', env: { TEST_ENV_EMPTY: '' }, value: '' },
  { name: `${SPEC}:35 get text`, reference: '{vault://env/test_env}', env: { TEST_ENV: 'test' }, value: 'test' },
  { name: `${SPEC}:45 get text with prefix (underscore)`, reference: '{vault://env/env?prefix=test_}', env: { TEST_ENV: 'test' }, value: 'test' },
  { name: `${SPEC}:55 get text with prefix (dash)`, reference: '{vault://env/env?prefix=test-}', env: { TEST_ENV: 'test' }, value: 'test' },
  { name: `${SPEC}:65 get json (username)`, reference: '{vault://env/test_env_json/username}', env: { TEST_ENV_JSON: '{"username":"user", "password":"pass"}' }, value: 'user' },
  { name: `${SPEC}:65 get json (password)`, reference: '{vault://env/test_env_json/password}', env: { TEST_ENV_JSON: '{"username":"user", "password":"pass"}' }, value: 'pass' },
];

for (const row of ROWS) {
  test(row.name, () => {
    const got = get(row.reference, row.env);
    if (row.error) assert.match(got.error ?? '', row.error);
    else assert.deepEqual(got, { value: row.value });
  });
}

test('spec/03-plugins/03-http-log/03-schem-vault_spec.lua:26 should dereference vault value', () => {
  const text = '_format_version: "3.0"\nplugins:\n- name: http-log\n  enabled: false\n  config: { http_endpoint: "{vault://env/http-log-http-endpoint}" }\n';
  const r = loadConfigText(text, 'kong.yaml', { plugins: bundledCatalog, env: { HTTP_LOG_HTTP_ENDPOINT: 'http://example.com' } });
  assert.deepEqual(r.issues.filter((i) => i.severity === 'error').map(formatIssue), []);
  assert.equal(r.config!.plugins[0]!.config.http_endpoint, 'http://example.com');
});

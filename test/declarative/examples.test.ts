// Every example config, and the root kong.yaml, loads; the nested and flat examples say the same thing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { load } from '../helpers/config.ts';
import { formatIssue } from '../../src/errors.ts';

const root = new URL('../../', import.meta.url);
const files = ['kong.yaml', ...readdirSync(new URL('examples/', root)).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`)];

for (const file of files) {
  test(`${file} loads`, () => {
    const result = load(readFileSync(new URL(file, root), 'utf8'), file);
    assert.ok(result.config, result.issues.map(formatIssue).join('\n'));
  });
}

test('examples/nested.yaml and examples/flat.yaml declare the same entities', () => {
  const nested = load(readFileSync(new URL('examples/nested.yaml', root), 'utf8')).config!;
  const flat = load(readFileSync(new URL('examples/flat.yaml', root), 'utf8')).config!;
  const names = (c: typeof nested) => ({
    services: c.services.map((s) => [s.name, s.protocol, s.host, s.port, s.path]),
    routes: c.routes.map((r) => [r.name, r.paths, r.methods, r.service]),
    plugins: c.plugins.map((p) => [p.name, p.route, p.service, p.consumer, p.config]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    credentials: [c.keyauth_credentials.map((k) => [k.key, k.consumer]), c.acls.map((a) => [a.group, a.consumer])],
    targets: c.targets.map((t) => [t.target, t.weight, t.upstream]),
  });
  assert.deepEqual(names(nested), names(flat));
});

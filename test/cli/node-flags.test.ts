// The gateway's V8 flags are given in two places, `npm start` and the bin's shebang (for `npx gateway`): they agree.
// (test/cli/start.test.ts starts the gateway with them.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);

test("the bin's shebang gives node the same flags as npm start", () => {
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: { start: string } };
  const start = /^(?:exec )?node (.*) bin\/gateway\.js start$/.exec(pkg.scripts.start);
  const shebang = /^#!\/usr\/bin\/env -S node (.*)$/m.exec(readFileSync(new URL('bin/gateway.js', root), 'utf8').split('\n')[0]!);
  assert.ok(start, pkg.scripts.start);
  assert.ok(shebang);
  assert.equal(shebang[1], start[1]);
  assert.match(start[1]!, /--max-semi-space-size=\d+/);
});

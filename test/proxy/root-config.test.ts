// The README's first curl: the root kong.yaml answers on its own, with nothing else running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { startTestGateway } from '../helpers/servers.ts';

test('GET /echo on the root kong.yaml: the request described back, 200', async () => {
  const gw = await startTestGateway(readFileSync(new URL('../../kong.yaml', import.meta.url), 'utf8'));
  try {
    const res = await request(`${gw.url}/echo/hello?name=world`);
    const body = JSON.parse(await res.body.text()) as { request: { path: string; query: Record<string, string> }; matched_route: { name: string } };
    assert.equal(res.statusCode, 200);
    assert.equal(body.request.path, '/echo/hello');
    assert.deepEqual(body.request.query, { name: 'world' });
    assert.equal(body.matched_route.name, 'echo');
  } finally {
    await gw.stop();
  }
});

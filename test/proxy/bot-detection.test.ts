// bot-detection: Kong's built-in bot list, then the allow and deny regexes on the User-Agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startRoutes } from '../helpers/servers.ts';

const { gw } = await startRoutes(`  - { name: default, paths: [/default], plugins: [{ name: bot-detection }] }
  - name: lists
    paths: [/lists]
    plugins: [{ name: bot-detection, config: { allow: ["Googlebot"], deny: ["^curl/"] } }]
`);

async function get(path: string, ua: string | string[] | undefined) {
  const res = await request(`${gw.url}${path}`, { headers: ua === undefined ? {} : { 'user-agent': ua } });
  return { status: res.statusCode, body: await res.body.text() };
}

test('browsers and tools pass; known bots get Kong\'s 403', async () => {
  assert.equal((await get('/default', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36')).status, 200);
  assert.equal((await get('/default', 'curl/8.5.0')).status, 200);
  assert.equal((await get('/default', undefined)).status, 200);
  for (const bot of ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'facebookexternalhit/1.1', 'Python-urllib/3.11', 'Mozilla/5.0 (compatible; bingbot/2.0)']) {
    const r = await get('/default', bot);
    assert.equal(r.status, 403, bot);
    assert.equal(JSON.parse(r.body).message, 'Forbidden');
  }
});

test('allow wins over the bot list; deny adds to it', async () => {
  assert.equal((await get('/lists', 'Mozilla/5.0 (compatible; Googlebot/2.1)')).status, 200);
  assert.equal((await get('/lists', 'curl/8.5.0')).status, 403);
});

test('two User-Agent headers: 400', async () => {
  const r = await get('/default', ['a', 'b']);
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.body).message, 'Only one User-Agent header allowed');
});

// ip-restriction on the address the gateway trusts (X-Real-IP only from --trusted-ips): deny first, then allow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { problems } from '../helpers/config.ts';
import { startRoutes, startTestGateway, tryStartTestGateway } from '../helpers/servers.ts';

// The test client connects from 127.0.0.1; trusting it lets X-Real-IP stand for other clients.
const { gw } = await startRoutes(`  - { name: deny, paths: [/deny], plugins: [{ name: ip-restriction, config: { deny: [10.0.0.0/8, "2001:db8::/32"] } }] }
  - { name: allow, paths: [/allow], plugins: [{ name: ip-restriction, config: { allow: [192.0.2.0/24], status: 401, message: members only } }] }
  - { name: both, paths: [/both], plugins: [{ name: ip-restriction, config: { allow: [10.0.0.0/8], deny: [10.0.0.66] } }] }
`, { trustedIps: ['127.0.0.1'] });

async function from(ip: string, path: string) {
  const res = await request(`${gw.url}${path}`, { headers: { 'x-real-ip': ip } });
  const text = await res.body.text();
  return { status: res.statusCode, message: res.statusCode === 200 ? '' : (JSON.parse(text) as { message: string }).message };
}

test("deny lists keep addresses out with Kong's 403 message, IPv4 and IPv6", async () => {
  assert.deepEqual(await from('10.1.2.3', '/deny'), { status: 403, message: 'IP address not allowed: 10.1.2.3' });
  assert.deepEqual(await from('2001:db8::7', '/deny'), { status: 403, message: 'IP address not allowed: 2001:db8::7' });
  assert.equal((await from('192.0.2.10', '/deny')).status, 200);
});

test('allow lists let only their addresses in, with the configured status and message', async () => {
  assert.equal((await from('192.0.2.10', '/allow')).status, 200);
  assert.deepEqual(await from('198.51.100.1', '/allow'), { status: 401, message: 'members only' });
});

test('deny is checked before allow', async () => {
  assert.equal((await from('10.0.0.5', '/both')).status, 200);
  assert.equal((await from('10.0.0.66', '/both')).status, 403);
});

test('a CIDR range needs a prefix of decimal digits in range: `10.0.0.1/` is refused, not read as /0 (every address)', async () => {
  // --trusted-ips goes through the same list: an empty prefix would have trusted every client's X-Real-IP.
  for (const entry of ['127.0.0.2/', '127.0.0.2/ 8', '127.0.0.2/0x8', '127.0.0.2/8/9', '127.0.0.2/33', '::1/129']) {
    const started = await tryStartTestGateway(`_format_version: "3.0"\n`, { trustedIps: [entry] }).then((g) => g, (err: Error) => err);
    if (!(started instanceof Error)) await started.stop();
    assert.ok(started instanceof Error, `${entry}: refused`);
    assert.equal(started.message, `--trusted-ips: '${entry}' is not an IP address or CIDR range`);
  }
  // The prefixes that are ranges still are.
  const ok = await startTestGateway(`_format_version: "3.0"\n`, { trustedIps: ['127.0.0.0/8', '::/0', '10.0.0.0/32'] });
  await ok.stop();
  assert.deepEqual(problems(`_format_version: "3.0"\nplugins:\n- name: ip-restriction\n  config: { deny: ["10.0.0.1/33"] }\n`), [
    "4:11 plugins[0].config: '10.0.0.1/33' is not an IP address or CIDR range",
  ]);
});

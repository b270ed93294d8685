// `gateway start` and `gateway validate` as processes, set up the way Kong is: KONG_* variables, a kong.conf,
// Kong's listen strings with their ssl listeners.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as netConnect, createServer, type AddressInfo } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import { Agent, request } from 'undici';
import { startGatewayProcess } from '../helpers/process.ts';
import { startTestGateway } from '../helpers/servers.ts';
import { tempDir } from '../helpers/temp.ts';

const bin = new URL('../../bin/gateway.js', import.meta.url).pathname;
const dir = tempDir('kong-settings');
const CONFIG = '_format_version: "3.0"\nroutes:\n- name: r\n  paths: [/]\n  plugins:\n  - name: request-termination\n    config: { status_code: 200, message: hello }\n';

function run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function peerCertificate(port: number): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on('error', reject);
  });
}

const warned = (lines: readonly Record<string, unknown>[], text: string) => lines.filter((l) => l.level === 40 && String(l.msg).includes(text)).length;

test("KONG_* only, Kong's default listen strings (on port 0): HTTP and HTTPS proxy and admin serve; what has no effect is warned about once", async (t) => {
  const gw = await startGatewayProcess(CONFIG, [], {
    bare: true,
    env: {
      KONG_DATABASE: 'off',
      KONG_PROXY_LISTEN: '127.0.0.1:0 reuseport backlog=16384, 127.0.0.1:0 http2 ssl reuseport backlog=16384',
      KONG_ADMIN_LISTEN: '127.0.0.1:0 reuseport backlog=16384, 127.0.0.1:0 http2 ssl reuseport backlog=16384',
      KONG_LOG_LEVEL: 'notice',
      KONG_HEADERS: 'off',
      KONG_NGINX_DAEMON: 'off',
      KONG_PREFIX: '/kong_prefix/',
      KONG_NOT_A_THING: 'x',
    },
  });
  t.after(() => gw.stop());
  const ready = await gw.waitFor((l) => l.msg === 'gateway ready');
  const [plain, tls] = ready.proxy_listen as string[];
  const [adminPlain, adminTls] = ready.admin_listen as string[];
  const res = await request(`http://${plain}/`);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers.server, undefined, 'KONG_HEADERS=off');
  assert.deepEqual(await res.body.json(), { message: 'hello' });
  const insecure = new Agent({ connect: { rejectUnauthorized: false } });
  t.after(() => insecure.close());
  const secure = await request(`https://${tls}/`, { dispatcher: insecure });
  assert.equal(secure.statusCode, 200);
  await secure.body.text();
  const cert = await peerCertificate(Number(tls!.split(':')[1]));
  assert.equal(cert.subject.CN, 'localhost', "Kong's default certificate: one made for localhost");
  const admin = await request(`https://${adminTls}/status`, { dispatcher: insecure });
  assert.equal(admin.statusCode, 200, 'the admin ssl listener speaks TLS');
  await admin.body.text();
  const adminHttp = await request(`http://${adminPlain}/status`);
  assert.equal(adminHttp.statusCode, 200);
  await adminHttp.body.text();
  assert.equal(warned(gw.lines, 'KONG_PREFIX: no effect here'), 1);
  assert.equal(warned(gw.lines, 'KONG_NOT_A_THING: ignored (not a setting of Kong 3.10)'), 1);
  assert.equal(warned(gw.lines, "KONG_PROXY_LISTEN: 'http2'"), 1);
  assert.equal(warned(gw.lines, "KONG_ADMIN_LISTEN: 'http2'"), 1);
  assert.equal(warned(gw.lines, 'KONG_NGINX_DAEMON'), 0, 'off is what happens here');
  assert.equal(warned(gw.lines, 'KONG_DATABASE'), 0);
  assert.ok(gw.lines.every((l) => l.level !== 20), "notice is info: no debug lines");
});

test('--conf: a kong.conf with a comment, an unknown key and a line Kong ignores; warned about with FILE:LINE; KONG_* wins over it', async (t) => {
  const conf = join(dir, 'kong.conf');
  writeFileSync(conf, '# Kong settings\nproxy_listen = 127.0.0.1:1 # overridden by KONG_PROXY_LISTEN\nadmin_listen = off\nheaders = off\nproxi_listen = 1\nnonsense\n');
  const gw = await startGatewayProcess(CONFIG, ['--conf', conf], { bare: true, env: { KONG_PROXY_LISTEN: '127.0.0.1:0' } });
  t.after(() => gw.stop());
  const res = await request(`http://${gw.address}/`);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers.server, undefined, 'headers = off from the file');
  await res.body.text();
  assert.equal(warned(gw.lines, `${conf}:5: proxi_listen: ignored (not a setting of Kong 3.10)`), 1);
  assert.equal(warned(gw.lines, `${conf}:6: 'nonsense' is not 'key = value'`), 1);
});

test('refused: KONG_DATABASE=postgres, a bad value in a kong.conf (FILE:LINE): exit 2 naming it', async () => {
  const db = await run(['start'], { KONG_DATABASE: 'postgres' });
  assert.equal(db.code, 2);
  assert.equal(db.stderr, "KONG_DATABASE: 'postgres' is not supported (this gateway is DB-less: only off)\n");
  const conf = join(dir, 'bad.conf');
  writeFileSync(conf, '\nproxy_listen = everywhere\n');
  const bad = await run(['start', '--conf', conf], {});
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, `${conf}:2: proxy_listen: expected ADDR:PORT [ssl] [flags], got 'everywhere'\n`);
});

test('gateway validate honours KONG_DECLARATIVE_CONFIG when no file is named; GATEWAY_DECLARATIVE_CONFIG wins over it', async () => {
  const good = join(dir, 'good.yaml');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(good, CONFIG);
  writeFileSync(bad, '_format_version: "3.0"\nservices:\n- name: s\n');
  const kong = await run(['validate'], { KONG_DECLARATIVE_CONFIG: good });
  assert.equal(kong.code, 0, kong.stderr);
  assert.equal(kong.stdout, `${good}: valid (1 routes, 1 plugins)\n`);
  const both = await run(['validate'], { KONG_DECLARATIVE_CONFIG: good, GATEWAY_DECLARATIVE_CONFIG: bad });
  assert.equal(both.code, 1);
  assert.match(both.stderr, new RegExp(`${bad}: invalid`));
  const named = await run(['validate', good], { KONG_DECLARATIVE_CONFIG: bad });
  assert.equal(named.code, 0, 'a file named wins');
});

test("Kong's Helm chart listens on 0.0.0.0:PORT and [::]:PORT side by side: an IPv6 address is IPv6 only, as in nginx", async (t) => {
  const free = createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const port = (free.address() as AddressInfo).port;
  await new Promise<void>((resolve) => free.close(() => resolve()));
  const gw = await startTestGateway(CONFIG, { proxyListen: [`127.0.0.1:${port}, [::]:${port}`], adminListen: 'off' });
  t.after(() => gw.stop());
  for (const host of ['127.0.0.1', '[::1]']) {
    const res = await request(`http://${host}:${port}/`);
    assert.equal(res.statusCode, 200, host);
    await res.body.text();
  }
});

test('an admin listener with proxy_protocol reads the PROXY header, as the proxy listener does', async (t) => {
  const gw = await startTestGateway(CONFIG, { adminListen: '127.0.0.1:0 proxy_protocol' });
  t.after(() => gw.stop());
  const port = Number(new URL(gw.admin).port);
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port }, () => socket.end('PROXY TCP4 203.0.113.9 127.0.0.1 5555 8001\r\nGET /status HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n'));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  assert.match(answer, /^HTTP\/1\.1 200 /);
});

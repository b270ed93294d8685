// The access log (Kong's proxy_access_log, in its kong_log_format), one line per request, the client's bytes
// escaped as nginx escapes them; and the gateway's own 5xx answers logged at info with the request id.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { WebSocket, WebSocketServer } from 'ws';
import { recordingLogger, startTestGateway, startUpstream } from '../helpers/servers.ts';
import { raw } from '../helpers/raw.ts';
import { tempDir } from '../helpers/temp.ts';
import { accessLine, escapeLogValue, timeLocal } from '../../src/proxy/access-log.ts';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const upstream = await startUpstream();
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
await new Promise((resolve) => wss.once('listening', resolve));
wss.on('connection', (socket) => socket.on('message', (m) => socket.send(m)));
after(() => wss.close());
// Answers nothing until its client goes away: the client gives up first.
const silent = await startUpstream(() => undefined, 'silent');
const dead = await closedPort();
const file = join(tempDir('access-log'), 'access.log');
const { log, lines } = recordingLogger();
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: echo
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: echo-route, paths: [/a] }
- name: silent
  url: http://127.0.0.1:${silent.port}
  routes:
  - { name: silent-route, paths: [/silent] }
- name: ws
  url: http://127.0.0.1:${(wss.address() as AddressInfo).port}
  routes:
  - { name: ws-route, paths: [/ws] }
- name: gone
  url: http://127.0.0.1:${dead}
  routes:
  - { name: gone-route, paths: [/gone] }
routes:
- { name: no-service, paths: [/orphan] }
- name: terminated
  paths: [/terminated]
  plugins:
  - { name: request-termination, config: { status_code: 503, message: closed for maintenance } }
`, { accessLog: file }, log);
after(() => upstream.close());
after(() => silent.close());

const LINE = /^(\S+) - (\S+) \[(\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "(.*)" (\d{3}) (\d+) "(.*)" "(.*)" kong_request_id: "([0-9a-f]{32})"$/;
const idOf = (text: string) => /x-kong-request-id: ([0-9a-f]{32})/i.exec(text)?.[1] ?? 'none';

// Every request first; then the gateway stops (its log flushed) and the tests read what it wrote.
const ok = await request(`${gw.url}/a/b?x=1`, { headers: { 'user-agent': 'curl/8.0', referer: 'http://example.com/from', authorization: `Basic ${Buffer.from('bob:secret').toString('base64')}` } });
const okBody = await ok.body.text();
const missing = await request(`${gw.url}/nowhere`, { method: 'HEAD' });
await missing.body.text();
const hostile = await raw(gw.port, Buffer.concat([
  Buffer.from('GET /a/"q"\\x HTTP/1.1\r\nHost: h\r\nConnection: close\r\nUser-Agent: evil" "\\agent\tx'),
  Buffer.from([0xe9, 0xff, 0x80]),
  Buffer.from('\r\nReferer: http://r/\xe9\r\n\r\n', 'latin1'),
]));
// A request line Node cannot parse (a control byte): nginx's 400, logged with the bytes it read, escaped.
const refused = await raw(gw.port, 'GET /\x01\x1b[31mred HTTP/1.1\r\nHost: h\r\n\r\n');
const answers: Record<string, { status: number; id: string }> = {};
for (const path of ['/gone', '/orphan', '/terminated']) {
  const res = await request(`${gw.url}${path}`);
  await res.body.text();
  answers[path] = { status: res.statusCode, id: String(res.headers['x-kong-request-id']) };
}
// A WebSocket: one line when it closes, nginx's 101 and the frames' bytes after the head.
const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/ws`, { headers: { 'user-agent': 'ws-client' } });
await new Promise((resolve) => ws.once('open', resolve));
ws.send('hello');
await new Promise((resolve) => ws.once('message', resolve));
ws.close();
await new Promise((resolve) => ws.once('close', resolve));
// A client that leaves before the answer began: nginx's 499 (the gateway cancels the upstream request).
const left = await raw(gw.port, 'GET /silent HTTP/1.1\r\nHost: h\r\nUser-Agent: impatient\r\n\r\n', { waitMs: 300, keepOpen: true });
assert.equal(left.text, '');
await new Promise<void>((resolve) => {
  const check = () => (silent.requests.length > 0 && silent.requests.every((r) => r.destroyed) ? resolve() : setTimeout(check, 20));
  check();
});
// The WebSocket's line is written when the gateway's side of it has closed too.
await new Promise<void>((resolve) => {
  const check = () => (readFileSync(file, 'utf8').includes('"ws-client"') ? resolve() : setTimeout(check, 20));
  setTimeout(check, 1100);
});
await gw.stop();
const written = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
const lineOf = (id: string) => {
  const line = written.find((l) => l.includes(`kong_request_id: "${id}"`));
  assert.ok(line, `no line for ${id} in:\n${written.join('\n')}`);
  return line;
};

test("one line per request in Kong's kong_log_format: client, Basic user, request line, status, body bytes, referer, agent, request id", () => {
  assert.equal(written.length, 9);
  const id = String(ok.headers['x-kong-request-id']);
  const m = LINE.exec(lineOf(id));
  assert.ok(m);
  assert.deepEqual(m.slice(1, 3), ['127.0.0.1', 'bob']);
  // nginx's $body_bytes_sent: what went out after the head, chunked framing included (the echo upstream sends none of its own length).
  const framing = ok.headers['transfer-encoding'] === 'chunked' ? okBody.length.toString(16).length + 2 + 2 + 5 : 0;
  assert.deepEqual(m.slice(4), ['GET /a/b?x=1 HTTP/1.1', '200', String(Buffer.byteLength(okBody) + framing), 'http://example.com/from', 'curl/8.0', id]);
  assert.doesNotMatch(lineOf(id), /secret/, 'the password is never logged');
  const headId = String(missing.headers['x-kong-request-id']);
  const head = LINE.exec(lineOf(headId))!;
  assert.deepEqual(head.slice(2), ['-', head[3], 'HEAD /nowhere HTTP/1.1', '404', '0', '-', '-', headId]);
});

test("a client that left before the answer: nginx's 499, nothing sent", () => {
  const line = written.find((l) => l.includes('"impatient"'));
  assert.ok(line, written.join('\n'));
  assert.deepEqual(LINE.exec(line)!.slice(4, 7), ['GET /silent HTTP/1.1', '499', '0']);
});

test("a WebSocket: nginx's 101, and the bytes of the frames sent after the head", () => {
  const line = written.find((l) => l.includes('"ws-client"'));
  assert.ok(line, written.join('\n'));
  // The echoed text frame (2 + 5 bytes) and the close frame that answers the client's (2 bytes).
  assert.deepEqual(LINE.exec(line)!.slice(4, 7), ['GET /ws HTTP/1.1', '101', '9']);
});

test("hostile input is escaped as nginx's escape=default: quotes, backslashes, tabs and bytes above 126 as \\xHH", () => {
  assert.match(hostile.text, /^HTTP\/1\.1 200 /);
  const line = lineOf(idOf(hostile.text));
  assert.match(line, /^[\x20-\x7e]+$/, 'printable ASCII only');
  const m = LINE.exec(line)!;
  assert.equal(m[4], 'GET /a/\\x22q\\x22\\x5Cx HTTP/1.1');
  assert.equal(m[7], 'http://r/\\xE9');
  assert.equal(m[8], 'evil\\x22 \\x22\\x5Cagent\\x09x\\xE9\\xFF\\x80');
  assert.match(refused.text, /^HTTP\/1\.1 400 /);
  const bad = lineOf(idOf(refused.text));
  assert.match(bad, /^[\x20-\x7e]+$/);
  assert.deepEqual(LINE.exec(bad)!.slice(4, 6), ['GET /\\x01\\x1B[31mred HTTP/1.1', '400']);
});

test("the 5xx answers the gateway makes itself are logged at info with the request id, route and service; a plugin's 503 is not", () => {
  const gone = answers['/gone']!;
  assert.equal(gone.status, 502);
  const goneLine = lines.find((l) => l.request_id === gone.id && l.msg === 'answered 502');
  assert.ok(goneLine, JSON.stringify(lines));
  assert.equal(goneLine.level, 30);
  assert.deepEqual([goneLine.status, goneLine.route, goneLine.service, goneLine.upstream], [502, 'gone-route', 'gone', `127.0.0.1:${dead}`]);
  const orphan = answers['/orphan']!;
  assert.equal(orphan.status, 503);
  const orphanLine = lines.find((l) => l.request_id === orphan.id && l.msg === 'answered 503');
  assert.deepEqual([orphanLine?.reason, orphanLine?.route, orphanLine?.service], ['no Service found with those values', 'no-service', undefined]);
  const terminated = answers['/terminated']!;
  assert.equal(terminated.status, 503);
  assert.equal(lines.filter((l) => l.request_id === terminated.id).length, 0, "a plugin's answer is the plugin's, not the gateway's error");
  for (const a of Object.values(answers)) assert.equal(LINE.exec(lineOf(a.id))![5], String(a.status));
});

test('escapeLogValue and accessLine, alone', () => {
  assert.equal(escapeLogValue('plain /path?x=1'), 'plain /path?x=1');
  assert.equal(escapeLogValue('a"b\\c\x00\x1f\x7f'), 'a\\x22b\\x5Cc\\x00\\x1F\\x7F');
  // Not from the wire (Node reads it as latin1), but never raw either: its UTF-8 bytes.
  assert.equal(escapeLogValue('€😀'), '\\xE2\\x82\\xAC\\xF0\\x9F\\x98\\x80');
  const line = accessLine({ remoteAddr: '10.0.0.1', request: '-', status: 400, bodyBytesSent: 12, authorization: 'Basic !!!', requestId: 'ab'.repeat(16) });
  assert.equal(line, `10.0.0.1 - - [${timeLocal()}] "-" 400 12 "-" "-" kong_request_id: "${'ab'.repeat(16)}"\n`);
  assert.match(timeLocal(Date.UTC(2026, 0, 2, 3, 4, 5)), /^\d{2}\/Jan\/2026:\d{2}:\d{2}:05 [+-]\d{4}$/);
  assert.equal(timeLocal(Date.UTC(2026, 0, 2, 3, 4, 5, 999)), timeLocal(Date.UTC(2026, 0, 2, 3, 4, 5)), "one string a second");
});

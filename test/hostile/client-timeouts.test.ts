// Clients that stall, as nginx times them: a head that does not come (client_header_timeout), a body that
// stops (client_body_timeout), an answer left unread (send_timeout). nginx closes such connections without an
// answer; the upstream request of a stalled body is cancelled. And on shutdown, answers say Connection: close.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { raw, recordingUpstream, statuses } from '../helpers/raw.ts';
import { recordingLogger, startTestGateway } from '../helpers/servers.ts';

const { log, lines } = recordingLogger();

let upstreamGotEnd = false;
let upstreamAborted = false;
const upstream = await recordingUpstream((req, res) => {
  if (req.url === '/big') {
    // 64 MiB: more than any socket buffer holds, so a client that does not read leaves writes pending.
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    let sent = 0;
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const pump = () => {
      while (sent < 64) {
        sent++;
        if (!res.write(chunk)) return res.once('drain', pump);
      }
      res.end();
    };
    res.on('error', () => undefined);
    return pump();
  }
  if (req.url === '/early') {
    // Answers before reading the body (the gateway still streams what the client sends).
    res.writeHead(200, { 'content-length': '2' });
    res.end('ok');
    return;
  }
  if (req.url === '/slow-answer') {
    req.resume();
    setTimeout(() => res.end('late'), 600);
    return;
  }
  req.on('data', () => undefined);
  req.on('end', () => {
    upstreamGotEnd = true;
    res.end('ok');
  });
  req.on('aborted', () => (upstreamAborted = true));
  req.on('error', () => (upstreamAborted = true));
});
const gw = await startTestGateway(`_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:${upstream.port}\n  routes: [{ name: r, paths: [/] }]\n`, {
  clientHeaderTimeout: '300ms', clientBodyTimeout: '300ms', sendTimeout: '300ms',
}, log);
after(async () => {
  await gw.stop();
  await upstream.close();
});

test('a head that does not come in time: the connection is closed, without an answer', async () => {
  const started = performance.now();
  const r = await raw(gw.port, 'GET / HTTP/1.1\r\nHost: a\r\n', { waitMs: 3000 });
  assert.ok(r.closed);
  assert.equal(r.text, '', 'nginx sends nothing');
  assert.ok(performance.now() - started < 2500);
});

test('a body that stops coming: the connection is closed and the upstream request given up', async () => {
  upstreamGotEnd = false;
  const r = await raw(gw.port, 'POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nonly ten..', { waitMs: 3000 });
  assert.ok(r.closed);
  assert.deepEqual(statuses(r.text), []);
  await new Promise((res) => setTimeout(res, 100));
  assert.equal(upstreamGotEnd, false);
  assert.ok(upstreamAborted, 'the upstream saw its request cut');
});

test('an upstream that answered before the body ended: the body timer no longer acts on the answered request', async () => {
  const r = await raw(gw.port, 'POST /early HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nonly ten..', { waitMs: 300, until: (t) => t.endsWith('ok') });
  assert.deepEqual(statuses(r.text), [200]);
  const id = /x-kong-request-id: (\w+)/i.exec(r.text)?.[1];
  assert.ok(id);
  // Past client_body_timeout (300 ms) after the last byte the client sent.
  await new Promise((res) => setTimeout(res, 600));
  assert.equal(lines.filter((l) => l.request_id === id && l.msg === 'client timed out sending the request body').length, 0, 'no timeout for an exchange that is over');
});

test('an answer the client does not read: the connection is closed after the send timeout', async () => {
  const received = await new Promise<{ bytes: number; ended: boolean }>((resolve) => {
    let bytes = 0;
    const socket = connect(gw.port, '127.0.0.1', () => socket.write('GET /big HTTP/1.1\r\nHost: a\r\n\r\n'));
    // Not read for a while: the gateway's writes back up, and its send timeout ends the connection. Then read
    // what had arrived: less than the answer, then the end.
    socket.pause();
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.on('error', () => undefined);
    setTimeout(() => socket.resume(), 1500);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ bytes, ended: false });
    }, 8000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ bytes, ended: true });
    });
  });
  assert.ok(received.ended, 'the gateway ended the connection');
  assert.ok(received.bytes < 64 * 1024 * 1024, `only part of the answer arrived (${received.bytes} bytes)`);
  assert.ok(lines.some((l) => l.msg === 'client timed out reading the answer (send timeout)'));
});

test('on shutdown, an answer in flight says Connection: close', async () => {
  const sg = await startTestGateway(`_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:${upstream.port}\n  routes: [{ name: r, paths: [/] }]\n`);
  const pending = raw(sg.port, 'GET /slow-answer HTTP/1.1\r\nHost: a\r\n\r\n', { waitMs: 4000 });
  await new Promise((res) => setTimeout(res, 150));
  const stopping = sg.stop();
  const r = await pending;
  await stopping;
  assert.deepEqual(statuses(r.text), [200]);
  assert.match(r.text, /\r\nConnection: close\r\n/i);
  assert.ok(r.closed);
});

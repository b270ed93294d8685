/**
 * `bench hostile`: the longest the gateway's event loop stops for one hostile request, by kind: catastrophic
 * route regexes (V8's engine and RE2JS), a long header regex match, bodies a plugin parses (8 MiB of JSON, of
 * form fields, a deeply nested JSON), a 32 KiB head, 4,000 query arguments. Target: no single request blocks
 * the loop for more than 50 ms. The gateway runs in its own process with an event-loop delay histogram.
 */
import { fork } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freePort } from './proxy.ts';

const root = new URL('../', import.meta.url).pathname;
const out = join(root, 'bench/out');
const TARGET_MS = 50;

interface Kind {
  readonly name: string;
  readonly request: () => string;
}

const big = (bytes: number, unit: string) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
const post = (path: string, type: string, body: string) => `POST ${path} HTTP/1.1\r\nHost: a\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;

const KINDS: readonly Kind[] = [
  { name: 'route regex ~/(a+)+$ on an 8 KiB path (V8, linear fallback)', request: () => `GET /${'a'.repeat(8000)}! HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n` },
  { name: 'route regex ~/(?i)x(a+)+$ on an 8 KiB path (RE2JS)', request: () => `GET /x${'a'.repeat(8000)}! HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n` },
  { name: 'header regex ~*(b+)+$ on an 8 KiB value', request: () => `GET /hdr HTTP/1.1\r\nHost: a\r\nX-Evil: ${'b'.repeat(8000)}!\r\nConnection: close\r\n\r\n` },
  { name: 'a 32 KiB head (4 headers of 7.9 KiB)', request: () => `GET /plain HTTP/1.1\r\nHost: a\r\n${Array.from({ length: 4 }, (_, i) => `X-H${i}: ${'h'.repeat(7900)}\r\n`).join('')}Connection: close\r\n\r\n` },
  { name: '4,000 query arguments, read by a plugin', request: () => `GET /body?${Array.from({ length: 4000 }, () => 'a=1').join('&').slice(0, 7900)} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n` },
  { name: '8 MiB JSON body parsed by a plugin', request: () => post('/body', 'application/json', `[${big(8 * 1024 * 1024 - 2, '"xxxxxxxxxxxxxxxxxx",').replace(/,$/, '')}]`) },
  { name: '8 MiB form body parsed by a plugin', request: () => post('/body', 'application/x-www-form-urlencoded', big(8 * 1024 * 1024, 'a=1&')) },
  { name: 'JSON nested 100,000 deep, parsed by a plugin', request: () => post('/body', 'application/json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`) },
];

function send(port: number, text: string): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    s.on('data', () => undefined);
    s.on('close', () => resolve());
    s.on('error', () => resolve());
  });
}

export async function runHostileBench(): Promise<void> {
  console.log(`\nhostile: the longest one hostile request stops the gateway's event loop (target < ${TARGET_MS} ms)`);
  mkdirSync(out, { recursive: true });
  const plugins = join(out, 'hostile-plugins');
  rmSync(plugins, { recursive: true, force: true });
  mkdirSync(join(plugins, 'body-reader'), { recursive: true });
  writeFileSync(join(plugins, 'body-reader', 'schema.mjs'), "export default { name: 'body-reader', config: { type: 'object', properties: {} } };\n");
  writeFileSync(join(plugins, 'body-reader', 'handler.mjs'), "export default { version: '1', priority: 1, async access(kong) { kong.request.getQuery(); await kong.request.getBody(); } };\n");
  const upstream = createServer((s) => {
    s.on('error', () => undefined);
    s.on('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const up = (upstream.address() as AddressInfo).port;
  const config = join(out, 'hostile.yaml');
  writeFileSync(config, `_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${up}
  routes:
  - { name: plain, paths: [/plain] }
  - { name: evil, paths: ["~/(a+)+$"] }
  - { name: evil-i, paths: ["~/(?i)x(a+)+$"] }
  - { name: hdr, paths: [/hdr], headers: { x-evil: ["~*(b+)+$"] } }
  - { name: body, paths: [/body], plugins: [{ name: body-reader }] }
`);
  const port = await freePort();
  const child = fork(join(root, 'bench/hostile-child.ts'), [], { env: { ...process.env, CONFIG: config, PORT: String(port), PLUGINS: plugins }, execArgv: ['--max-semi-space-size=32', '--min-semi-space-size=32'] });
  const next = () => new Promise<Record<string, number | boolean>>((resolve) => child.once('message', (m) => resolve(m as Record<string, number | boolean>)));
  try {
    await next();
    let worst = 0;
    for (const kind of KINDS) {
      // Warm up (JIT), then measure three of them.
      await send(port, kind.request());
      child.send('reset');
      await next();
      for (let i = 0; i < 3; i++) await send(port, kind.request());
      child.send('read');
      const { maxMs } = (await next()) as { maxMs: number };
      worst = Math.max(worst, maxMs);
      console.log(`  ${kind.name.padEnd(62)} longest stop ${maxMs.toFixed(1).padStart(6)} ms`);
    }
    console.log(`  worst ${worst.toFixed(1)} ms (target < ${TARGET_MS} ms: ${worst < TARGET_MS ? 'met' : 'NOT met'})`);
  } finally {
    child.kill('SIGTERM');
    upstream.close();
  }
}

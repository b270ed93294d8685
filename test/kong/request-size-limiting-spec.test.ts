// Kong's spec/03-plugins/12-request-size-limiting/01-access_spec.lua as a table. As Kong's spec, every row goes
// over one keep-alive connection: a refused body must leave it usable for the next request.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { startRoutes, type Echo } from '../helpers/servers.ts';

const SPEC = 'spec/03-plugins/12-request-size-limiting/01-access_spec.lua';
const TEST_SIZE = 2;
const MB = 2 ** 20;
const KB = 2 ** 10;
const UNITS = { megabytes: MB, kilobytes: KB, bytes: 1 } as const;

const { gw } = await startRoutes(`  - { name: limit, hosts: [limit.test], plugins: [{ name: request-size-limiting, config: { allowed_payload_size: ${TEST_SIZE} } }] }
  - { name: required, hosts: [required.test], plugins: [{ name: request-size-limiting, config: { allowed_payload_size: ${TEST_SIZE}, require_content_length: true } }] }
${Object.keys(UNITS).map((unit) => `  - { name: ${unit}, hosts: [limit_${unit}.test], plugins: [{ name: request-size-limiting, config: { allowed_payload_size: ${TEST_SIZE}, size_unit: ${unit} } }] }`).join('\n')}
`);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
after(() => agent.destroy());

interface Sent {
  readonly status: number;
  readonly body: string;
}

/** A request as Kong's spec sends it: a body with Content-Length (POST) or chunked (GET), Expect when asked. */
function send(host: string, bytes: number | undefined, options: { chunked?: boolean; expect?: boolean } = {}): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host };
    if (bytes !== undefined) headers[options.chunked ? 'transfer-encoding' : 'content-length'] = options.chunked ? 'chunked' : String(bytes);
    if (options.expect) headers.expect = '100-continue';
    const req = request({ port: gw.port, host: '127.0.0.1', path: '/request', method: options.chunked || bytes === undefined ? 'GET' : 'POST', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    const body = bytes === undefined ? undefined : Buffer.alloc(bytes, 'a');
    if (options.expect) req.on('continue', () => req.end(body));
    else req.end(body);
  });
}

interface Row {
  readonly line: number;
  readonly name: string;
  readonly host: string;
  readonly bytes: number;
  readonly chunked?: boolean;
  readonly expect?: boolean;
  readonly status: number;
}

const ROWS: Row[] = [
  { line: 83, name: 'with Content-Length: works if size is lower than limit', host: 'limit.test', bytes: TEST_SIZE * MB, status: 200 },
  { line: 97, name: 'with Content-Length: works if size is lower than limit and Expect header', host: 'limit.test', bytes: TEST_SIZE * MB, expect: true, status: 200 },
  { line: 112, name: 'with Content-Length: blocks if size is greater than limit', host: 'limit.test', bytes: TEST_SIZE * MB + 1, status: 413 },
  { line: 129, name: 'with Content-Length: blocks if size is greater than limit and Expect header', host: 'limit.test', bytes: TEST_SIZE * MB + 1, expect: true, status: 417 },
  ...Object.entries(UNITS).map(([unit, factor]): Row => ({ line: 148, name: `with Content-Length: blocks if size is greater than limit when unit in ${unit}`, host: `limit_${unit}.test`, bytes: TEST_SIZE * factor + 1, status: 413 })),
  ...Object.entries(UNITS).map(([unit, factor]): Row => ({ line: 167, name: `with Content-Length: works if size is less than limit when unit in ${unit}`, host: `limit_${unit}.test`, bytes: TEST_SIZE * factor - 1, status: 200 })),
  { line: 185, name: 'chunked, body > client_body_buffer_size: works if size is lower than limit', host: 'limit.test', bytes: TEST_SIZE * MB, chunked: true, status: 200 },
  { line: 200, name: 'chunked, body > client_body_buffer_size: works if size is lower than limit and Expect header', host: 'limit.test', bytes: TEST_SIZE * MB, chunked: true, expect: true, status: 200 },
  { line: 216, name: 'chunked, body > client_body_buffer_size: blocks if size is greater than limit', host: 'limit.test', bytes: TEST_SIZE * MB + 1, chunked: true, status: 413 },
  { line: 234, name: 'chunked, body > client_body_buffer_size: blocks if size is greater than limit and Expect header', host: 'limit.test', bytes: TEST_SIZE * MB + 1, chunked: true, expect: true, status: 417 },
  { line: 255, name: 'chunked, body < client_body_buffer_size: works if size is lower than limit', host: 'limit_kilobytes.test', bytes: TEST_SIZE * KB, chunked: true, status: 200 },
  { line: 270, name: 'chunked, body < client_body_buffer_size: works if size is lower than limit and Expect header', host: 'limit_kilobytes.test', bytes: TEST_SIZE * KB, chunked: true, expect: true, status: 200 },
  { line: 286, name: 'chunked, body < client_body_buffer_size: blocks if size is greater than limit', host: 'limit_kilobytes.test', bytes: TEST_SIZE * KB + 1, chunked: true, status: 413 },
  { line: 304, name: 'chunked, body < client_body_buffer_size: blocks if size is greater than limit and Expect header', host: 'limit_kilobytes.test', bytes: TEST_SIZE * KB + 1, chunked: true, expect: true, status: 417 },
  ...Object.entries(UNITS).map(([unit, factor]): Row => ({ line: 325, name: `chunked: blocks if size is greater than limit when unit in ${unit}`, host: `limit_${unit}.test`, bytes: TEST_SIZE * factor + 1, chunked: true, status: 413 })),
  ...Object.entries(UNITS).map(([unit, factor]): Row => ({ line: 345, name: `chunked: works if size is less than limit when unit in ${unit}`, host: `limit_${unit}.test`, bytes: TEST_SIZE * factor, chunked: true, status: 200 })),
];

for (const row of ROWS) {
  test(`${SPEC}:${row.line} ${row.name}`, async () => {
    const res = await send(row.host, row.bytes, row);
    assert.equal(res.status, row.status);
    if (row.status === 200) assert.equal((JSON.parse(res.body) as Echo).bodyBytes, row.bytes, 'the upstream got the whole body');
    else assert.equal((JSON.parse(res.body) as { message: string }).message, 'Request size limit exceeded');
  });
}

test(`${SPEC}:363 Content-Length header required: blocks if header is not provided`, async () => {
  const res = await send('required.test', undefined);
  assert.equal(res.status, 411);
  assert.equal((JSON.parse(res.body) as { message: string }).message, 'A valid Content-Length header is required');
});

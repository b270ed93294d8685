// nginx's ssl_preread, as the ssl stream listeners do it: the SNI of a real ClientHello, and no throw on anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { parseClientHello } from '../../src/stream/client-hello.ts';

async function clientHello(servername: string | undefined): Promise<Buffer> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const got = once(server, 'connection').then(async ([socket]: Socket[]) => {
    let data = Buffer.alloc(0);
    // The whole first record.
    while (data.length < 5 || data.length < 5 + data.readUInt16BE(3)) data = Buffer.concat([data, (await once(socket!, 'data'))[0] as Buffer]);
    socket!.destroy();
    return data;
  });
  const client = tlsConnect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, rejectUnauthorized: false, ...(servername ? { servername } : {}) });
  client.on('error', () => undefined);
  const record = await got;
  client.destroy();
  server.close();
  return record;
}

test("a real ClientHello's server name, and none when it sends none", async () => {
  assert.deepEqual(parseClientHello(await clientHello('db.example.com')), { tls: true, sni: 'db.example.com' });
  assert.deepEqual(parseClientHello(await clientHello(undefined)), { tls: true, sni: undefined });
  assert.deepEqual(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n')), { tls: false, sni: undefined });
});

test('truncated and random records never throw', async () => {
  const hello = await clientHello('db.example.com');
  for (let n = 0; n <= hello.length; n++) parseClientHello(hello.subarray(0, n));
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (let i = 0; i < 2000; i++) {
    const mutated = Buffer.from(hello);
    for (let k = 0; k < 8; k++) mutated[5 + (random() * 7) % (mutated.length - 5)] = random();
    parseClientHello(mutated);
    const noise = Buffer.from(Array.from({ length: 5 + (random() % 200) }, random));
    noise[0] = 0x16;
    parseClientHello(noise);
  }
});

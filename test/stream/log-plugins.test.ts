// The log plugins on stream routes, as in Kong (their protocols include tcp and tls): each sends Kong's stream
// record of the connection once it closed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLogReceiver } from '../helpers/log-receiver.ts';
import { startTcpReceiver, startUdpReceiver } from '../helpers/log-receivers.ts';
import { startTestGateway } from '../helpers/servers.ts';
import { exchange, freePort, startEcho } from '../helpers/stream.ts';

const echo = await startEcho();
const tcpLog = await startTcpReceiver();
const udpLog = await startUdpReceiver();
const httpLog = await startLogReceiver();
const port = await freePort();
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: echo
  url: tcp://127.0.0.1:${echo.port}
  routes:
  - name: logged
    protocols: [tcp]
    destinations: [{ port: ${port} }]
plugins:
- { name: tcp-log, protocols: [tcp], config: { host: 127.0.0.1, port: ${tcpLog.port} } }
- { name: udp-log, protocols: [tcp], config: { host: 127.0.0.1, port: ${udpLog.port} } }
- { name: http-log, protocols: [tcp], config: { http_endpoint: "http://127.0.0.1:${httpLog.port}/log", queue: { max_coalescing_delay: 0.01 } } }
`, { streamListen: [`127.0.0.1:${port}`] });

after(async () => {
  await gw.stop();
  await Promise.all([echo.close(), tcpLog.close(), udpLog.close(), httpLog.close()]);
});

test('tcp-log, udp-log and http-log each send the stream record of a connection', async () => {
  const r = await exchange(port, 'ping', { expect: 4 });
  assert.equal(r.received, 'ping');
  const [tcpLine] = await tcpLog.next(1);
  const [datagram] = await udpLog.next(1);
  const [posted] = await httpLog.waitFor(1);
  for (const record of [JSON.parse(tcpLine!), JSON.parse(datagram!), posted!.json] as Record<string, unknown>[]) {
    const session = record.session as Record<string, unknown>;
    assert.equal(session.received, 4);
    assert.equal(session.sent, 4);
    assert.equal(session.status, 200);
    assert.deepEqual(record.upstream, { received: 4, sent: 4 });
    assert.equal((record.route as { name: string }).name, 'logged');
    assert.equal(record.request, undefined, 'a stream record has no request');
  }
});

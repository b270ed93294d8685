// kong.websocket's phase checks: a call where it cannot take effect throws (the plugin fails: 1011 both ways in a
// frame phase, Kong's 500 in the handshake), with a message naming the function; the gateway keeps serving.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writePlugins } from '../helpers/plugins.ts';
import { recordingLogger, startTestGateway } from '../helpers/servers.ts';
import { openClient, refusedHandshake, startEchoUpstream, until } from '../helpers/websockets.ts';

const dir = writePlugins([{
  name: 'misuse',
  handler: `export default { version: '1', priority: 1,
  wsHandshake(kong) { if (kong.request.getHeader('x-misuse') === 'frame') kong.websocket.client.getFrame(); },
  wsClientFrame(kong) {
    const { data } = kong.websocket.client.getFrame();
    if (data === 'other-side') kong.websocket.upstream.getFrame();
    if (data === 'status') kong.websocket.client.setStatus(1000);
    if (data === 'payload') kong.websocket.client.setMaxPayloadSize(10);
    if (data === 'exit') kong.response.exit(403);
    if (data === 'bad-close') kong.websocket.client.close(1005);
  },
};
`,
}]);
const upstream = await startEchoUpstream();
const { log, lines } = recordingLogger();
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: ws
  protocol: ws
  host: 127.0.0.1
  port: ${upstream.port}
  routes: [{ protocols: [ws], paths: [/], plugins: [{ name: misuse }] }]
`, { plugins: ['bundled', 'misuse'], pluginsPath: [dir] }, log);
after(async () => {
  await gw.stop();
  await upstream.close();
});

const failures = () => lines.filter((l) => l.msg === 'plugin failed');

for (const [data, message] of [
  ['other-side', 'kong.websocket.upstream.getFrame: function cannot be called outside the wsUpstreamFrame phase'],
  ['status', 'kong.websocket.client.setStatus: only a close frame has a status (this one is text)'],
  ['payload', 'kong.websocket.client.setMaxPayloadSize: function cannot be called in wsClientFrame phase (only in: wsHandshake)'],
  ['exit', 'kong.response.exit: function cannot be called in wsClientFrame phase'],
  ['bad-close', 'kong.websocket.client.close: 1005 is not a status a close frame may carry'],
] as const) {
  test(`a frame phase calling what it may not (${data}) fails: 1011 both ways, logged, the next connection served`, async () => {
    const before = failures().length;
    const closesBefore = upstream.closes.length;
    const c = await openClient(`ws://127.0.0.1:${gw.port}/`);
    c.ws.send('fine');
    assert.equal((await c.next()).data, 'fine');
    c.ws.send(data);
    assert.equal((await c.closed()).code, 1011);
    await until(() => upstream.closes.length > closesBefore, 'the upstream\'s close');
    assert.equal(upstream.closes.at(-1)!.code, 1011);
    const failure = failures().slice(before);
    assert.equal(failure.length, 1);
    assert.equal(failure[0]!.phase, 'wsClientFrame');
    assert.ok(String(failure[0]!.err).includes(message), String(failure[0]!.err));
  });
}

test('the handshake asking for a frame fails: Kong\'s 500, the upstream never asked', async () => {
  const before = upstream.handshakes.length;
  const r = await refusedHandshake(`ws://127.0.0.1:${gw.port}/`, { 'x-misuse': 'frame' });
  assert.equal(r.status, 500);
  assert.equal(upstream.handshakes.length, before);
  assert.match(String(failures().at(-1)!.err), /kong\.websocket\.client\.getFrame: function cannot be called in wsHandshake phase/);
});

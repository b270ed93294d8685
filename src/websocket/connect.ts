/**
 * A WebSocket service's upstream, then the client: the handshake goes to a peer (the balancer's, as any request)
 * with Kong's headers, the client's subprotocols and the upstream's payload limit; an answer that is not a 101 is
 * relayed to the client as an ordinary response (its connection stays HTTP); a 101 completes the client's
 * handshake with the subprotocol the upstream chose and Kong's head, and the frames start to flow. Compression
 * is not negotiated on either side: each frame is read whole by the gateway.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import WebSocket, { WebSocketServer } from 'ws';
import { firstValue, rawHeaders, type Headers } from '../http/headers.ts';
import type { ProxyRequest } from '../proxy/proxy-request.ts';
import { serializeHead, switchingHead } from '../proxy/response-head.ts';
import { tryHost, type UpstreamCall } from '../upstream/call.ts';
import { classify, NO_PEER } from '../upstream/failures.ts';
import { belowThreshold } from '../upstream/health.ts';
import { checkVerifyDepth } from '../upstream/verify-depth.ts';
import { relay } from './relay.ts';
import { CLOSE_TIMEOUT_MS, type WebSocketSession } from './session.ts';

const IP_LITERAL = /^[\d.]+$|:/;
/** ws's `closeTimeout` (8.18), which its type definitions do not list yet. */
const CLOSE_TIMEOUT: object = { closeTimeout: CLOSE_TIMEOUT_MS };
/** The handshake's own headers: each side's WebSocket makes its own. */
const HANDSHAKE_HEADERS = ['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol', 'sec-websocket-accept', 'content-length'];
/** What the 101 to the client carries of the upstream's head: not what its WebSocket writes itself. */
const OWN_101 = ['upgrade', 'connection', 'sec-websocket-accept', 'sec-websocket-protocol', 'sec-websocket-extensions', 'content-length', 'transfer-encoding'];

export function connectUpstream(ctx: ProxyRequest, call: UpstreamCall, session: WebSocketSession): void {
  const answer = ctx.reply;
  const health = ctx.env.health;
  // The client left while plugins ran: nobody to answer, nothing to ask the upstream.
  if (answer.gone) return;
  if (call.balanced && belowThreshold(health, call.balanced)) return answer.fail(NO_PEER.status, NO_PEER.message);
  const balanced = call.balanced?.upstream;
  const peer = call.peers.next({ has: (t) => (balanced ? !health.isHealthy(balanced.name, t) : false) }, call.balance);
  if (!peer) return answer.fail(NO_PEER.status, NO_PEER.message);
  let released = false;
  session.release = () => {
    if (released) return;
    released = true;
    call.peers.release(peer);
  };
  const secure = call.service.protocol === 'wss';
  const headers: Headers = { ...call.headers, host: tryHost(call, peer, secure) };
  const offered = firstValue(headers['sec-websocket-protocol']);
  for (const name of HANDSHAKE_HEADERS) delete headers[name];
  const protocols = offered ? offered.split(',').map((p) => p.trim()).filter((p) => p !== '') : [];
  const tls = call.tls;
  const host = peer.host.includes(':') ? `[${peer.host}]` : peer.host;
  const service = call.service;
  call.stats.tries.push({ ip: peer.host, port: peer.port, start: Date.now() });
  const sentAt = performance.now();
  call.stats.proxyLatency = Math.round(sentAt - call.started);
  let upstream: WebSocket;
  try {
    upstream = new WebSocket(`${secure ? 'wss' : 'ws'}://${host}:${peer.port}${call.target}`, protocols, {
      headers: headers as Record<string, string>,
      perMessageDeflate: false,
      maxPayload: session.maxPayload.upstream,
      autoPong: false,
      followRedirects: false,
      ...CLOSE_TIMEOUT,
      handshakeTimeout: service.connect_timeout + service.read_timeout,
      ...(secure ? {
        ...(IP_LITERAL.test(peer.host) ? {} : { servername: peer.host }),
        rejectUnauthorized: tls?.verify ?? false,
        ...(tls?.ca ? { ca: [...tls.ca] } : {}),
        ...(tls?.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
      } : {}),
    });
  } catch (err) {
    session.release();
    const failure = classify(err);
    return answer.fail(failure.status, failure.message);
  }
  let settled = false;
  let upstreamSocket: Duplex | undefined;
  let upstreamHead: IncomingMessage | undefined;
  // A client that leaves before the upstream answers gives the handshake up.
  answer.attach({ cancel: () => upstream.terminate() });
  upstream.on('error', (err: Error) => {
    if (settled) return;
    settled = true;
    answer.attach(undefined);
    session.release();
    if (answer.gone) return;
    // ws times the whole handshake out itself (connect_timeout + read_timeout): Kong's 504 for it.
    const failure = /timed out/.test(err.message) ? { status: 504, message: 'The upstream server is timing out' } : classify(err);
    answer.fail(failure.status, failure.message);
  });
  upstream.on('unexpected-response', (_req, res: IncomingMessage) => {
    settled = true;
    relayAnswer(ctx, call, res, sentAt, session);
  });
  upstream.once('upgrade', (res: IncomingMessage) => {
    call.stats.upstreamStatus = 101;
    call.stats.upstreamLatency = Math.round(performance.now() - sentAt);
    upstreamHead = res;
    upstreamSocket = res.socket;
    const tooDeep = secure ? checkVerifyDepth(res.socket as TLSSocket, tls?.verifyDepth) : undefined;
    if (tooDeep) upstream.emit('error', tooDeep);
  });
  upstream.once('open', () => {
    if (settled) return upstream.terminate();
    settled = true;
    answer.attach(undefined);
    if (answer.gone || !upstreamSocket || !upstreamHead) {
      upstream.terminate();
      return session.release();
    }
    acceptClient(ctx, session, upstream, upstreamHead, upstreamSocket);
  });
}

/** The upstream refused the handshake: its answer goes to the client as any answer (no filters run for ws). */
function relayAnswer(ctx: ProxyRequest, call: UpstreamCall, res: IncomingMessage, sentAt: number, session: WebSocketSession): void {
  const answer = ctx.reply;
  call.stats.upstreamStatus = res.statusCode;
  call.stats.upstreamLatency = Math.round(performance.now() - sentAt);
  answer.attach({ cancel: () => res.destroy() });
  answer.head(res.statusCode ?? 502, res.headers);
  res.on('data', (chunk: Buffer) => {
    if (answer.write(chunk)) return;
    if (answer.gone) return res.destroy();
    res.pause();
    answer.onDrain(() => res.resume());
  });
  res.once('end', () => {
    answer.attach(undefined);
    session.release();
    answer.end(res.trailers);
  });
  res.once('error', (err) => {
    answer.attach(undefined);
    session.release();
    answer.cut(err);
  });
}

/** The upstream said 101: the client's handshake completes, with Kong's head and the upstream's subprotocol. */
function acceptClient(ctx: ProxyRequest, session: WebSocketSession, upstream: WebSocket, head: IncomingMessage, upstreamSocket: Duplex): void {
  const upgrade = ctx.upgrade!;
  const lines = kongHead(ctx, head);
  const server = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: session.maxPayload.client,
    autoPong: false,
    ...CLOSE_TIMEOUT,
    handleProtocols: () => upstream.protocol || false,
  });
  server.once('headers', (out: string[]) => {
    // nginx's spelling, as on the tunnel's 101 (Kong's 09-websockets_spec.lua looks for it).
    const connection = out.indexOf('Connection: Upgrade');
    if (connection >= 0) out[connection] = 'Connection: upgrade';
    out.push(...lines);
  });
  upgrade.opened();
  ctx.res.statusCode = 101;
  server.handleUpgrade(ctx.req, upgrade.socket as Socket, upgrade.head, (client) => {
    session.client = client;
    session.upstream = upstream;
    ctx.env.webSockets.add(session);
    relay(session, 'client', client, upstream, upstreamSocket, ctx.phases.wsClientFrame);
    relay(session, 'upstream', upstream, client, upgrade.socket, ctx.phases.wsUpstreamFrame);
    // A connection with nothing crossing it for read_timeout is closed, as nginx's proxy_read_timeout does.
    (upstreamSocket as Socket).setTimeout(ctx.match!.service!.read_timeout, () => session.goAway());
  });
  // The client's socket was already gone (ws completes synchronously, or not at all).
  if (!session.client) {
    upstream.terminate();
    session.release();
  }
}

/** Kong's head of the 101 (Via, latencies, the upstream's own headers, what plugins set), as lines to add. */
function kongHead(ctx: ProxyRequest, res: IncomingMessage): string[] {
  const out = switchingHead(ctx, rawHeaders(res.rawHeaders));
  for (const name of OWN_101) delete out[name];
  ctx.pdk?.setResponse(101, out);
  const names = new Map<string, string>();
  for (let i = 0; i < res.rawHeaders.length; i += 2) names.set(res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i]!);
  return serializeHead(101, 'Switching Protocols', out, names).split('\r\n').slice(1).filter((l) => l !== '');
}

/**
 * A WebSocket handshake, proxied: the routed request goes to a peer with Kong's headers and `Upgrade:
 * websocket`. Only a `101` opens the tunnel (its head reaches the client as Kong's, through the header filter, then
 * bytes flow both ways untouched); any other answer is relayed as an ordinary response, and the client's connection goes back to
 * carrying HTTP requests, each routed and checked again. A handshake that gets no answer is Kong's error.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { rawHeaders, type Headers } from '../http/headers.ts';
import { BUFFERED_LIMIT, type UpstreamAnswer, type UpstreamCall } from './exchange.ts';
import { classify, NO_PEER } from './failures.ts';
import { tryHost } from './call.ts';
import { belowThreshold, type HealthRegistry } from './health.ts';
import { checkVerifyDepth } from './verify-depth.ts';

/** The client side of an Upgrade request: its socket, and the bytes that came after the headers. */
export interface Upgrade {
  readonly socket: Duplex;
  readonly head: Buffer;
  /** The peer answered 101: the socket is a tunnel now. */
  opened(): void;
}

export type TunnelCall = Pick<UpstreamCall, 'service' | 'preservedHost' | 'peers' | 'balanced' | 'balance' | 'tls' | 'method' | 'target' | 'headers' | 'requestId' | 'stats' | 'started' | 'buffered'>;

const IP_LITERAL = /^[\d.]+$|:/;

export function tunnel(health: HealthRegistry, call: TunnelCall, upgrade: Upgrade, answer: UpstreamAnswer): void {
  // The client left while plugins ran: nobody to answer, nothing to ask the upstream.
  if (answer.gone) return;
  if (call.balanced && belowThreshold(health, call.balanced)) return answer.fail(NO_PEER.status, NO_PEER.message);
  const balanced = call.balanced?.upstream;
  const peer = call.peers.next({ has: (t) => (balanced ? !health.isHealthy(balanced.name, t) : false) }, call.balance);
  if (!peer) return answer.fail(NO_PEER.status, NO_PEER.message);
  let released = false;
  const release = (latencyMs?: number) => {
    if (released) return;
    released = true;
    call.peers.release(peer, latencyMs);
  };
  const secure = call.service.protocol === 'https' || call.service.protocol === 'wss';
  const headers: Headers = {
    ...call.headers,
    host: tryHost(call, peer, secure),
    connection: 'keep-alive, Upgrade',
    upgrade: 'websocket',
  };
  // A handshake has no body (only such requests are upgrades): none is announced to the peer either.
  delete headers['content-length'];
  const tls = call.tls;
  const options = {
    host: peer.host, port: peer.port, method: call.method, path: call.target, headers, agent: false as const, setHost: false,
    ...(secure ? {
      ...(IP_LITERAL.test(peer.host) ? {} : { servername: peer.host }),
      rejectUnauthorized: tls?.verify ?? false,
      ...(tls?.ca ? { ca: [...tls.ca] } : {}),
      ...(tls?.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
    } : {}),
  };
  call.stats.tries.push({ ip: peer.host, port: peer.port, start: Date.now() });
  const sentAt = performance.now();
  call.stats.proxyLatency = Math.round(sentAt - call.started);
  let upstream: ReturnType<typeof httpRequest>;
  try {
    upstream = secure ? httpsRequest(options) : httpRequest(options);
  } catch (err) {
    release();
    const failure = classify(err);
    return answer.fail(failure.status, failure.message);
  }
  const timeout = (code: string, message: string) => () => upstream.destroy(Object.assign(new Error(message), { code }));
  const timer = setTimeout(timeout('UND_ERR_CONNECT_TIMEOUT', 'connect timeout'), call.service.connect_timeout);
  let answered = false;
  // A client that leaves before the peer answers gives the handshake up.
  answer.attach({ cancel: () => upstream.destroy() });
  upstream.once('socket', (socket) => {
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      const tooDeep = secure ? checkVerifyDepth(socket as TLSSocket, tls?.verifyDepth) : undefined;
      if (tooDeep) return upstream.destroy(tooDeep);
      // The peer's answer to the handshake has read_timeout to come, as any answer's head.
      socket.setTimeout(call.service.read_timeout, timeout('UND_ERR_HEADERS_TIMEOUT', 'read timeout'));
    });
  });
  upstream.on('upgrade', (res: IncomingMessage, peerSocket: Duplex, peerHead: Buffer) => {
    answered = true;
    call.stats.upstreamStatus = 101;
    call.stats.upstreamLatency = Math.round(performance.now() - sentAt);
    const client = upgrade.socket;
    if (client.destroyed) {
      peerSocket.destroy();
      return release();
    }
    answer.attach(undefined);
    const names = new Map<string, string>();
    for (let i = 0; i < res.rawHeaders.length; i += 2) names.set(res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i]!);
    // nginx writes its own Connection; the peer's spelling of it is not kept.
    names.delete('connection');
    const head = answer.switching(rawHeaders(res.rawHeaders), names);
    if (head === undefined) {
      peerSocket.destroy();
      return release();
    }
    upgrade.opened();
    client.write(head);
    if (peerHead.length > 0) client.write(peerHead);
    if (upgrade.head.length > 0) peerSocket.write(upgrade.head);
    client.pipe(peerSocket);
    peerSocket.pipe(client);
    peerSocket.on('error', () => client.destroy());
    client.on('error', () => peerSocket.destroy());
    client.once('close', () => {
      peerSocket.destroy();
      release();
    });
    peerSocket.once('close', () => client.destroy());
    // An open tunnel with nothing crossing it for read_timeout is closed, as nginx's proxy_read_timeout does.
    peerSocket.removeAllListeners('timeout');
    (peerSocket as Socket).setTimeout(call.service.read_timeout, () => {
      peerSocket.destroy();
      client.destroy();
    });
  });
  upstream.on('response', (res: IncomingMessage) => {
    // Not a 101: an ordinary answer, through the answer owner; the connection stays HTTP.
    answered = true;
    call.stats.upstreamStatus = res.statusCode;
    call.stats.upstreamLatency = Math.round(performance.now() - sentAt);
    // The body has read_timeout between two reads, as any answer's (undici's bodyTimeout); not while the client
    // is waited on.
    const socket = res.socket;
    socket.removeAllListeners('timeout');
    const readTimeout = call.service.read_timeout;
    const expired = () => res.destroy(Object.assign(new Error('read timeout'), { code: 'UND_ERR_BODY_TIMEOUT' }));
    socket.setTimeout(readTimeout, expired);
    res.once('close', () => {
      socket.setTimeout(0);
      release();
    });
    answer.attach({ cancel: () => res.destroy() });
    const status = res.statusCode ?? 502;
    if (call.buffered) {
      // Buffered mode (a response phase, enableBuffering): the whole answer, as for any request.
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size > BUFFERED_LIMIT) {
          res.destroy();
          answer.attach(undefined);
          answer.fail(502, 'An invalid response was received from the upstream server');
        }
      });
      res.once('end', () => {
        answer.attach(undefined);
        release(performance.now() - sentAt);
        answer.whole(status, res.headers, Buffer.concat(chunks));
      });
    } else {
      answer.head(status, res.headers);
      res.on('data', (chunk: Buffer) => {
        if (answer.write(chunk)) return;
        // A client already gone never drains.
        if (answer.gone) return res.destroy();
        res.pause();
        socket.setTimeout(0);
        answer.onDrain(() => {
          socket.setTimeout(readTimeout, expired);
          res.resume();
        });
      });
      res.once('end', () => {
        answer.attach(undefined);
        release(performance.now() - sentAt);
        answer.end(res.trailers);
      });
    }
    res.once('error', (err) => {
      answer.attach(undefined);
      release();
      // Buffered mode has sent nothing yet: Kong's error for the failure (504 for a timeout), as the exchange's.
      if (answer.begun || answer.gone) return answer.cut(err);
      const failure = classify(err);
      answer.fail(failure.status, failure.message);
    });
  });
  upstream.on('error', (err) => {
    clearTimeout(timer);
    if (answered) return;
    answer.attach(undefined);
    release();
    // A client that left needs no answer.
    if (answer.gone) return;
    const failure = classify(err);
    answer.fail(failure.status, failure.message);
  });
  upstream.end();
}

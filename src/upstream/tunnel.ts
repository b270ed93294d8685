/**
 * A WebSocket (or other Upgrade) handshake: the routed request is written to the peer as it came, with Kong's
 * headers, and from then on bytes flow both ways untouched. The peer's 101 reaches the client as it is.
 */
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Headers } from '../http/headers.ts';
import type { Peer } from '../snapshot/balancer.ts';
import type { UpstreamTls } from '../snapshot/upstream-tls.ts';
import type { UpstreamCall } from './exchange.ts';
import { classify, NO_PEER } from './failures.ts';
import { belowThreshold, type HealthRegistry } from './health.ts';
import { checkVerifyDepth } from './verify-depth.ts';

/** The client side of an Upgrade request: its socket, the bytes that came after the headers, what it asked. */
export interface Upgrade {
  readonly socket: Duplex;
  readonly head: Buffer;
}

export type TunnelCall = Pick<UpstreamCall, 'service' | 'preservedHost' | 'peers' | 'balanced' | 'balance' | 'tls' | 'method' | 'target' | 'headers'> & {
  /** The client's Upgrade header. */
  readonly upgrade: string | undefined;
};

function tunnelTls(peer: Peer, tls: UpstreamTls | undefined) {
  return {
    host: peer.host,
    port: peer.port,
    ...(/^[\d.]+$|:/.test(peer.host) ? {} : { servername: peer.host }),
    rejectUnauthorized: tls?.verify ?? false,
    ...(tls?.ca ? { ca: [...tls.ca] } : {}),
    ...(tls?.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
  };
}

export function tunnel(health: HealthRegistry, call: TunnelCall, upgrade: Upgrade, fail: (status: number, message: string) => void): void {
  if (call.balanced && belowThreshold(health, call.balanced)) return fail(NO_PEER.status, NO_PEER.message);
  const balanced = call.balanced?.upstream;
  const peer = call.peers.next({ has: (t) => (balanced ? !health.isHealthy(balanced.name, t) : false) }, call.balance);
  if (!peer) return fail(NO_PEER.status, NO_PEER.message);
  upgrade.socket.once('close', () => call.peers.release(peer));
  const secure = call.service.protocol === 'https' || call.service.protocol === 'wss';
  const upstream = secure ? tlsConnect(tunnelTls(peer, call.tls)) : netConnect({ host: peer.host, port: peer.port });
  const timer = setTimeout(() => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' })), call.service.connect_timeout);
  let connected = false;
  upstream.once(secure ? 'secureConnect' : 'connect', () => {
    clearTimeout(timer);
    const tooDeep = secure ? checkVerifyDepth(upstream as TLSSocket, call.tls?.verifyDepth) : undefined;
    if (tooDeep) return upstream.destroy(tooDeep);
    connected = true;
    const defaultPort = secure ? 443 : 80;
    const headers: Headers = {
      ...call.headers,
      host: call.preservedHost ?? (peer.port === defaultPort ? peer.host : `${peer.host}:${peer.port}`),
      connection: 'keep-alive, Upgrade',
      upgrade: call.upgrade ?? 'websocket',
    };
    let head = `${call.method} ${call.target} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(headers)) {
      for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${v}\r\n`;
    }
    upstream.write(`${head}\r\n`);
    if (upgrade.head.length > 0) upstream.write(upgrade.head);
    upgrade.socket.pipe(upstream);
    upstream.pipe(upgrade.socket);
  });
  upstream.on('error', (err) => {
    clearTimeout(timer);
    if (!connected) {
      const failure = classify(err);
      return fail(failure.status, failure.message);
    }
    upgrade.socket.destroy();
  });
  upgrade.socket.on('error', () => upstream.destroy());
  upgrade.socket.on('close', () => upstream.destroy());
  upstream.on('close', () => upgrade.socket.destroy());
}

/**
 * A stream connection's way to its upstream, as Kong's balancer does it for streams: the peers of the service (its
 * upstream's balancer, or its host) or of what a plugin set in `preread`; unhealthy targets skipped; a connection
 * that fails or times out is counted by passive health checks and the next peer tried, up to the service's
 * `retries`; `tls` services speak TLS to the peer (Kong's proxy_ssl, with the service's tls_verify, CA and client
 * certificate).
 */
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Service } from '../declarative/config.ts';
import type { StreamUpstreamOverride } from '../pdk/stream-state.ts';
import type { BalanceContext, Balancer, Peer } from '../snapshot/balancer.ts';
import type { CompiledUpstream, Snapshot } from '../snapshot/snapshot.ts';
import { belowThreshold, type HealthRegistry } from '../upstream/health.ts';
import { checkVerifyDepth } from '../upstream/verify-depth.ts';

/** One try, as Kong's balancer_data.tries records it. */
export interface StreamTry {
  readonly ip: string;
  readonly port: number;
  readonly start: number;
  state?: 'failed' | 'next';
}

export type Connected = { readonly ok: true; readonly socket: Socket; readonly peer: Peer; readonly release: () => void } | { readonly ok: false; readonly status: 502 | 503; readonly message: string };

/** Kong turns its stream proxy's TLS off for `tcp` services only (kong/runloop/handler.lua disable_proxy_ssl). */
const speaksTls = (service: Service): boolean => service.protocol !== 'tcp';

function single(host: string, port: number): Balancer {
  const peer: Peer = { host, port, target: `${host}:${port}` };
  return { empty: false, next: (exclude) => (exclude.has(peer.target) ? undefined : peer), release: () => undefined };
}

const noHeader = () => undefined;

function balanceContext(clientIp: string): BalanceContext {
  return { clientIp, path: '', header: noHeader, cookie: noHeader, queryArg: noHeader, uriCapture: noHeader, consumerId: undefined, setCookie: () => undefined };
}

/**
 * Kong's proxy_ssl_name $upstream_host: the client's SNI when the route preserves the host, else the upstream's
 * host_header, else the peer's host (an IP address is sent as no name at all).
 */
function openSocket(snapshot: Snapshot, service: Service, peer: Peer, servername: string | undefined): Socket {
  // Half-open: the session, not the socket, decides when a side's end closes both (see session.ts).
  const raw = tcpConnect({ host: peer.host, port: peer.port, noDelay: true, allowHalfOpen: true });
  if (!speaksTls(service)) return raw;
  const tls = snapshot.upstreamTls.get(service.id);
  const name = servername ?? peer.host;
  return tlsConnect({
    socket: raw,
    ...(isIP(name) ? {} : { servername: name }),
    rejectUnauthorized: tls?.verify ?? false,
    ...(tls?.ca ? { ca: [...tls.ca] } : {}),
    ...(tls?.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
  });
}

function once(snapshot: Snapshot, service: Service, peer: Peer, servername: string | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let socket: Socket;
    try {
      socket = openSocket(snapshot, service, peer, servername);
    } catch (err) {
      return reject(err);
    }
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), service.connect_timeout);
    const failed = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once('error', failed);
    socket.once(speaksTls(service) ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', failed);
      // Until the session pipes it (and handles its errors), an error only closes it.
      socket.on('error', () => socket.destroy());
      const tooDeep = speaksTls(service) ? checkVerifyDepth(socket as TLSSocket, snapshot.upstreamTls.get(service.id)?.verifyDepth) : undefined;
      if (tooDeep) return failed(tooDeep);
      resolve(socket);
    });
  });
}

export interface ConnectRequest {
  readonly snapshot: Snapshot;
  readonly health: HealthRegistry;
  readonly service: Service;
  readonly override: StreamUpstreamOverride | undefined;
  readonly clientIp: string;
  /** The client's SNI when the route preserves the host: the name the TLS upstream is asked for. */
  readonly servername: string | undefined;
  readonly tries: StreamTry[];
  /** Stop trying (the client left). */
  readonly gone: () => boolean;
}

export async function connectUpstream(r: ConnectRequest): Promise<Connected> {
  const { snapshot, health, service, override } = r;
  const name = override?.kind === 'upstream' ? override.name : override ? undefined : snapshot.upstreams.has(service.host) ? service.host : undefined;
  const balanced: CompiledUpstream | undefined = name !== undefined ? snapshot.upstreams.get(name) : undefined;
  const peers = override?.kind === 'target' ? single(override.host, override.port) : balanced ? balanced.balancer : single(service.host, service.port);
  if (balanced && (balanced.balancer.empty || belowThreshold(health, balanced))) return { ok: false, status: 503, message: 'failure to get a peer from the ring-balancer' };
  const failedPeers = new Set<string>();
  const exclude = { has: (t: string) => failedPeers.has(t) || (balanced ? !health.isHealthy(balanced.upstream.name, t) : false) };
  const ctx = balanced?.upstream.algorithm === 'consistent-hashing' ? balanceContext(r.clientIp) : undefined;
  for (let attempt = 0; attempt <= service.retries; attempt++) {
    if (r.gone()) break;
    const peer = peers.next(exclude, ctx);
    if (!peer) {
      if (attempt === 0) return { ok: false, status: 503, message: 'failure to get a peer from the ring-balancer' };
      break;
    }
    const attemptRecord: StreamTry = { ip: peer.host, port: peer.port, start: Date.now() };
    r.tries.push(attemptRecord);
    try {
      const socket = await once(snapshot, service, peer, r.servername ?? balanced?.upstream.host_header ?? undefined);
      return { ok: true, socket, peer, release: () => peers.release(peer) };
    } catch (err) {
      peers.release(peer);
      attemptRecord.state = 'failed';
      failedPeers.add(peer.target);
      if (balanced) {
        const timeout = (err as NodeJS.ErrnoException).code === 'ETIMEDOUT';
        health.report(balanced.upstream, peer.target, balanced.upstream.healthchecks.passive, { kind: timeout ? 'timeout' : 'tcp' });
      }
    }
  }
  return { ok: false, status: 502, message: 'could not connect to the upstream' };
}

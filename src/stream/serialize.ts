/**
 * `kong.log.serialize()` on a stream connection: Kong 3.10's stream record (kong/pdk/log.lua, the `serialize`
 * of the stream subsystem): the session (its TLS, bytes each way, status, port), the upstream's bytes, the
 * latencies, the balancer's tries, route, service, consumer, client address and start time. Fields Kong leaves
 * nil are absent here too.
 */
import type { TLSSocket } from 'node:tls';
import type { StreamMatch } from '../router/stream-router.ts';
import type { StreamState } from '../pdk/stream-state.ts';
import { WORKSPACE_ID } from '../proxy/serialize.ts';
import type { StreamTry } from './upstream.ts';

export interface SessionStats {
  /** Epoch ms and performance.now() when the connection was accepted. */
  readonly startedAt: number;
  readonly started: number;
  /** performance.now() when the connection closed. */
  ended: number | undefined;
  /** Until the balancer picked a peer, or the gateway's own end of the connection (Kong's proxy or response latency). */
  kongLatency: number | undefined;
  readonly tries: StreamTry[];
  balancerStarted: boolean;
  /** The client side's TLS, once terminated on it (read at the handshake: a closed socket no longer knows). */
  tls: Record<string, string> | undefined;
  clientReceived: number;
  clientSent: number;
  upstreamReceived: number;
  upstreamSent: number;
  serverPort: number;
  match: StreamMatch | undefined;
}

export function tlsInfo(socket: TLSSocket): Record<string, string> | undefined {
  const version = socket.getProtocol();
  if (!version) return undefined;
  // nginx's $ssl_client_verify: no client certificate is asked for.
  return { version, cipher: socket.getCipher?.()?.name ?? '', client_verify: 'NONE' };
}

export function sessionMs(stats: SessionStats): number {
  return Math.round((stats.ended ?? performance.now()) - stats.started);
}

export function serializeSession(stats: SessionStats, state: StreamState): Record<string, unknown> {
  const credential = state.credential;
  const consumer = state.consumer;
  const tries = stats.balancerStarted
    ? stats.tries.map((t) => ({ balancer_start: t.start, balancer_start_ns: t.start * 1e6, ip: t.ip, port: t.port, balancer_latency: 0, balancer_latency_ns: 0, ...(t.state ? { state: t.state } : {}) }))
    : undefined;
  return {
    session: {
      tls: stats.tls,
      received: stats.clientReceived,
      sent: stats.clientSent,
      status: state.status,
      server_port: stats.serverPort,
    },
    upstream: { received: stats.upstreamReceived, sent: stats.upstreamSent },
    latencies: { kong: stats.kongLatency ?? 0, session: sessionMs(stats) },
    tries,
    authenticated_entity: credential && typeof credential.id === 'string' ? { id: credential.id, consumer_id: consumer?.id } : undefined,
    route: stats.match?.route,
    service: stats.match?.service ?? undefined,
    consumer: consumer ?? undefined,
    client_ip: state.facts.peerIp,
    started_at: stats.startedAt,
    workspace: WORKSPACE_ID,
    workspace_name: 'default',
  };
}

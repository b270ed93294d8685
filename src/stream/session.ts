/**
 * One stream connection, as Kong's stream subsystem runs it (kong/init.lua `preread`, kong/runloop/handler.lua
 * `preread.before`), on the snapshot current when it was accepted (a reload never changes it midway):
 *
 *   route match → (ssl listener: terminate TLS for a `tls` route, or pass a `tls_passthrough` one through)
 *   → preread plugins → service → balancer and connect → bytes piped both ways → log plugins, once, after close.
 *
 * A connection no route takes is closed (Kong's "no Route found with those values", status 500); one without a
 * service too (503). Bytes are piped with back-pressure (a slow side pauses the other; nothing is buffered
 * without bound). As nginx's stream proxy (proxy_half_close off), the session ends once either side has sent
 * all it had and closed.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { describeError } from '../errors.ts';
import { StreamState } from '../pdk/stream-state.ts';
import { runCertificatePhase } from '../proxy/certificate-phase.ts';
import type { StreamFacts } from '../router/stream-router.ts';
import type { Snapshot } from '../snapshot/snapshot.ts';
import type { HealthRegistry } from '../upstream/health.ts';
import { preread } from './client-hello.ts';
import { runStreamPhase } from './phases.ts';
import { serializeSession, sessionMs, tlsInfo, type SessionStats } from './serialize.ts';
import { connectUpstream } from './upstream.ts';

export interface StreamEnv {
  readonly current: () => Snapshot;
  readonly log: Logger;
  readonly health: HealthRegistry;
  readonly pluginTimeoutMs: number;
  /** nginx's preread_timeout and ssl_handshake_timeout (30s and 60s by default; one value here). */
  readonly prereadTimeoutMs: number;
}

export interface ListenerFacts {
  readonly ssl: boolean;
  /** The port clients reach the listener on (port maps applied). */
  readonly hostPort: number;
}

let serials = 0;

/** Handles one accepted connection to its end. `track` learns every socket of it (for the drain timeout). */
export async function handleStream(env: StreamEnv, listener: ListenerFacts, client: Socket, track: (socket: Socket) => void): Promise<void> {
  const snapshot = env.current();
  client.on('error', () => client.destroy());
  const stats: SessionStats = {
    startedAt: Date.now(), started: performance.now(), ended: undefined, kongLatency: undefined, tries: [], balancerStarted: false,
    tls: undefined, clientReceived: 0, clientSent: 0, upstreamReceived: 0, upstreamSent: 0, serverPort: listener.hostPort, match: undefined,
  };
  const connectionId = String(++serials);
  const peerIp = client.remoteAddress ?? '';
  let record: Record<string, unknown> | undefined;
  const state = new StreamState({
    peerIp,
    peerPort: client.remotePort ?? 0,
    credentials: snapshot.credentials,
    startedAt: stats.startedAt,
    log: env.log,
    connectionId,
    hasUpstream: (name) => snapshot.upstreams.has(name),
    // Built once, when the log phase first asks: every log plugin gets the same record.
    serialize: () => (record ??= serializeSession(stats, state)),
    measures: {
      latencies: () => ({ request: sessionMs(stats), proxy: -1, kong: stats.kongLatency ?? 0 }),
      sizes: () => ({ request: stats.clientReceived, response: stats.clientSent }),
    },
  });
  const facts: StreamFacts = { srcIp: peerIp, srcPort: client.remotePort ?? 0, dstIp: client.localAddress ?? '', dstPort: listener.hostPort, sni: undefined };
  let sni: string | undefined;
  if (listener.ssl) {
    const hello = await preread(client, env.prereadTimeoutMs);
    if (hello === undefined) return void client.destroy();
    sni = hello.sni;
  }
  const match = snapshot.stream.router.match({ ...facts, sni });
  if (!match) {
    env.log.error({ connection: connectionId, client_ip: peerIp, server_port: listener.hostPort, sni }, 'no Route found with those values');
    return void client.destroy();
  }
  state.match = match;
  stats.match = match;
  let downstream: Socket = client;
  if (listener.ssl) {
    const protocols = match.route.protocols;
    if (protocols.includes('tls')) {
      const terminated = await terminate(env, snapshot, client, sni);
      if (!terminated) return void client.destroy();
      downstream = terminated;
      stats.tls = tlsInfo(terminated);
    } else if (!protocols.includes('tls_passthrough')) {
      env.log.error({ connection: connectionId, route: match.route.id, protocols }, 'unexpected protocols in matched Route');
      return void client.destroy();
    }
  }
  track(downstream);
  const plan = snapshot.stream.plugins.forRoute(match.route.id);
  const done = () => finish(env, state, stats, plan.log, client, downstream);
  await runStreamPhase('preread', plan.preread, state, env);
  if (state.exit) {
    stats.kongLatency = Math.round(performance.now() - stats.started);
    const { status, body } = state.exit;
    // nginx ends the session once the body is out, whether or not the client closes its side.
    if (body !== undefined && status < 400) downstream.end(body, () => downstream.destroy());
    else {
      if (body !== undefined && state.exit.kind === 'exit') env.log.error({ connection: connectionId }, `unable to proxy stream connection, status: ${status}, err: ${body}`);
      downstream.destroy();
    }
    return closed(downstream).then(done);
  }
  const service = match.service;
  if (!service) {
    env.log.warn({ connection: connectionId, route: match.route.id }, 'no Service found with those values');
    state.status = 503;
    downstream.destroy();
    return closed(downstream).then(done);
  }
  stats.balancerStarted = true;
  stats.kongLatency = Math.round(performance.now() - stats.started);
  const upstream = await connectUpstream({
    snapshot, health: env.health, service, override: state.upstreamOverride, clientIp: peerIp,
    servername: match.route.preserve_host ? sni : undefined, tries: stats.tries, gone: () => downstream.destroyed,
  });
  if (!upstream.ok) {
    env.log.error({ connection: connectionId, service: service.name ?? service.id, status: upstream.status }, upstream.message);
    state.status = upstream.status;
    downstream.destroy();
    return closed(downstream).then(done);
  }
  const peerSocket = upstream.socket;
  track(peerSocket);
  if (downstream.destroyed) {
    peerSocket.destroy();
    upstream.release();
    return closed(downstream).then(done);
  }
  // nginx's proxy_timeout: a session with nothing crossing it for the service's read timeout is closed.
  peerSocket.setTimeout(Math.max(service.read_timeout, service.write_timeout), () => peerSocket.destroy());
  splice(downstream, peerSocket);
  await Promise.all([closed(downstream), closed(peerSocket)]);
  upstream.release();
  stats.upstreamReceived = peerSocket.bytesRead;
  stats.upstreamSent = peerSocket.bytesWritten;
  return done();
}

/**
 * Bytes both ways with back-pressure (pipe pauses a source whose destination is full). The session ends once a
 * side's end has been passed on and flushed (the other side's 'finish'), or either side fails or closes. The
 * sockets are half-open ones, so that a client's end is not mistaken for that flush.
 */
function splice(a: Socket, b: Socket): void {
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    a.destroy();
    b.destroy();
  };
  a.pipe(b);
  b.pipe(a);
  for (const s of [a, b]) {
    s.once('finish', end);
    s.once('close', end);
    s.on('error', end);
  }
}

function closed(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** The log phase, once the connection is over. */
async function finish(env: StreamEnv, state: StreamState, stats: SessionStats, steps: Parameters<typeof runStreamPhase>[1], client: Socket, downstream: Socket): Promise<void> {
  stats.ended = performance.now();
  stats.clientReceived = downstream.bytesRead;
  stats.clientSent = downstream === client ? client.bytesWritten : downstream.bytesWritten;
  if (steps.length > 0) await runStreamPhase('log', steps, state, env);
}

/**
 * TLS termination: the certificate phase (global plugins), then the certificate for the SNI the ClientHello named,
 * chosen as the HTTP listener chooses it. Every handshake runs the phase, with or without an SNI (as Kong's
 * ssl_certificate_by_lua): the name is known from the preread.
 */
async function terminate(env: StreamEnv, snapshot: Snapshot, raw: Socket, sni: string | undefined): Promise<TLSSocket | undefined> {
  const context = snapshot.certificates.lookup(sni);
  if (!context) {
    env.log.error({ sni }, 'a tls route matched but the config has no certificate: the TLS handshake cannot be made');
    return undefined;
  }
  const global = snapshot.stream.plugins.global;
  if (global.some((p) => p.handler.certificate)) {
    try {
      await runCertificatePhase(global, sni, env.log);
    } catch {
      return undefined;
    }
  }
  const socket = new TLSSocket(raw, { isServer: true, secureContext: context });
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.destroy(), env.prereadTimeoutMs);
    const failed = (err: Error) => {
      clearTimeout(timer);
      env.log.info({ sni, err: describeError(err) }, 'TLS handshake failed');
      socket.destroy();
      resolve(undefined);
    };
    socket.once('secure', () => {
      clearTimeout(timer);
      socket.off('error', failed);
      socket.on('error', () => socket.destroy());
      resolve(socket);
    });
    socket.once('error', failed);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

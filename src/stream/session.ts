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
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { describeError } from '../errors.ts';
import { StreamState } from '../pdk/stream-state.ts';
import { runCertificatePhase } from '../proxy/certificate-phase.ts';
import type { StreamFacts } from '../router/stream-router.ts';
import type { Snapshot } from '../snapshot/snapshot.ts';
import type { StreamStep } from '../snapshot/stream-plans.ts';
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
  /** What a handshake whose SNI no certificate names gets (Kong's ssl_cert, or the certificate made at start). */
  readonly defaultCertificate?: SecureContext;
}

export interface ListenerFacts {
  readonly ssl: boolean;
  /** The port clients reach the listener on (port maps applied). */
  readonly hostPort: number;
}

let serials = 0;

/** One connection's state, as the steps below pass it on. */
interface Session {
  readonly env: StreamEnv;
  /** Read once, when the connection was accepted. */
  readonly snapshot: Snapshot;
  readonly listener: ListenerFacts;
  readonly client: Socket;
  /** The client side as bytes are proxied: the client socket, or the TLS socket terminated on it. */
  downstream: Socket;
  readonly state: StreamState;
  readonly stats: SessionStats;
  readonly id: string;
  readonly track: (socket: Socket) => void;
}

/** Handles one accepted connection to its end. `track` learns every socket of it (for the drain timeout). */
export async function handleStream(env: StreamEnv, listener: ListenerFacts, client: Socket, track: (socket: Socket) => void): Promise<void> {
  client.on('error', () => client.destroy());
  const session = newSession(env, listener, client, track);
  let sni: string | undefined;
  if (listener.ssl) {
    const hello = await preread(client, env.prereadTimeoutMs);
    // The client left, or sent nothing in time (nginx's preread_timeout).
    if (hello === undefined) return void client.destroy();
    sni = hello.sni;
  }
  if (!routeSession(session, sni)) return void client.destroy();
  if (listener.ssl && !(await secureSession(session, sni))) return void client.destroy();
  track(session.downstream);
  const plan = session.snapshot.stream.plugins.forRoute(session.state.match!.route.id);
  await runStreamPhase('preread', plan.preread, session.state, env);
  await proxySession(session, sni);
  await closed(session.downstream);
  await finish(session, plan.log);
}

function newSession(env: StreamEnv, listener: ListenerFacts, client: Socket, track: (socket: Socket) => void): Session {
  const snapshot = env.current();
  const stats: SessionStats = {
    startedAt: Date.now(), started: performance.now(), ended: undefined, kongLatency: undefined, tries: [], balancerStarted: false,
    tls: undefined, clientReceived: 0, clientSent: 0, upstreamReceived: 0, upstreamSent: 0, serverPort: listener.hostPort, match: undefined,
  };
  const id = String(++serials);
  const peerIp = client.remoteAddress ?? '';
  let record: Record<string, unknown> | undefined;
  const state: StreamState = new StreamState({
    peerIp,
    peerPort: client.remotePort ?? 0,
    credentials: snapshot.credentials,
    startedAt: stats.startedAt,
    log: env.log,
    connectionId: id,
    hasUpstream: (name) => snapshot.upstreams.has(name),
    // Built once, when the log phase first asks: every log plugin gets the same record.
    serialize: () => (record ??= serializeSession(stats, state)),
    measures: {
      latencies: () => ({ request: sessionMs(stats), proxy: -1, kong: stats.kongLatency ?? 0 }),
      sizes: () => ({ request: stats.clientReceived, response: stats.clientSent }),
    },
  });
  return { env, snapshot, listener, client, downstream: client, state, stats, id, track };
}

/** The stream router's match; none is Kong's error line, and the connection closed. */
function routeSession(session: Session, sni: string | undefined): boolean {
  const { client, listener, state } = session;
  const facts: StreamFacts = { srcIp: state.facts.peerIp, srcPort: state.facts.peerPort, dstIp: client.localAddress ?? '', dstPort: listener.hostPort, sni };
  const match = session.snapshot.stream.router.match(facts);
  if (!match) {
    session.env.log.error({ connection: session.id, client_ip: state.facts.peerIp, server_port: listener.hostPort, sni }, 'no Route found with those values');
    return false;
  }
  state.match = match;
  session.stats.match = match;
  return true;
}

/** On an ssl listener: a tls route terminates TLS, a tls_passthrough one passes the bytes, any other is refused. */
async function secureSession(session: Session, sni: string | undefined): Promise<boolean> {
  const route = session.state.match!.route;
  if (route.protocols.includes('tls')) {
    const terminated = await terminate(session.env, session.snapshot, session.client, sni);
    if (!terminated) return false;
    session.downstream = terminated;
    session.stats.tls = tlsInfo(terminated);
    return true;
  }
  if (route.protocols.includes('tls_passthrough')) return true;
  session.env.log.error({ connection: session.id, route: route.id, protocols: route.protocols }, 'unexpected protocols in matched Route');
  return false;
}

/** After preread: a plugin's exit, no service, no upstream to reach (each ends the connection), or the bytes piped. */
async function proxySession(session: Session, sni: string | undefined): Promise<void> {
  const { env, state, stats, downstream } = session;
  if (state.exit) {
    stats.kongLatency = Math.round(performance.now() - stats.started);
    const { status, body, kind } = state.exit;
    // nginx ends the session once the body is out, whether or not the client closes its side.
    if (body !== undefined && status < 400) return void downstream.end(body, () => downstream.destroy());
    if (body !== undefined && kind === 'exit') env.log.error({ connection: session.id }, `unable to proxy stream connection, status: ${status}, err: ${body}`);
    return void downstream.destroy();
  }
  const { route, service } = state.match!;
  if (!service) {
    env.log.warn({ connection: session.id, route: route.id }, 'no Service found with those values');
    state.status = 503;
    return void downstream.destroy();
  }
  stats.balancerStarted = true;
  stats.kongLatency = Math.round(performance.now() - stats.started);
  const upstream = await connectUpstream({
    snapshot: session.snapshot, health: env.health, service, override: state.upstreamOverride, clientIp: state.facts.peerIp,
    servername: route.preserve_host ? sni : undefined, tries: stats.tries, gone: () => downstream.destroyed,
  });
  if (!upstream.ok) {
    env.log.error({ connection: session.id, service: service.name ?? service.id, status: upstream.status }, upstream.message);
    state.status = upstream.status;
    return void downstream.destroy();
  }
  const peer = upstream.socket;
  session.track(peer);
  if (downstream.destroyed) peer.destroy();
  else {
    // nginx's proxy_timeout: a session with nothing crossing it for this long is closed.
    peer.setTimeout(Math.max(service.read_timeout, service.write_timeout), () => peer.destroy());
    splice(downstream, peer);
  }
  await Promise.all([closed(downstream), closed(peer)]);
  upstream.release();
  stats.upstreamReceived = peer.bytesRead;
  stats.upstreamSent = peer.bytesWritten;
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
async function finish(session: Session, steps: readonly StreamStep[]): Promise<void> {
  const { stats, downstream } = session;
  stats.ended = performance.now();
  stats.clientReceived = downstream.bytesRead;
  stats.clientSent = downstream.bytesWritten;
  if (steps.length > 0) await runStreamPhase('log', steps, session.state, session.env);
}

/**
 * TLS termination: the certificate phase (global plugins), then the certificate for the SNI the ClientHello named,
 * chosen as the HTTP listener chooses it. Every handshake runs the phase, with or without an SNI (as Kong's
 * ssl_certificate_by_lua): the name is known from the preread.
 */
async function terminate(env: StreamEnv, snapshot: Snapshot, raw: Socket, sni: string | undefined): Promise<TLSSocket | undefined> {
  const fallback = env.defaultCertificate;
  const context = fallback ? ((sni !== undefined ? snapshot.certificates.lookupSni(sni) : undefined) ?? fallback) : snapshot.certificates.lookup(sni);
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

/**
 * One connection of a WebSocket service, from its handshake to its end: the two WebSockets once open, what plugins
 * may do to it (kong.websocket: the frames in flight, the payload limits, closing), the drain at shutdown, and the
 * `wsClose` phase, run once when all is over (a refused handshake included: it is the connection's log phase).
 * The snapshot, the route's plugins and the consumer are those of the handshake for the connection's whole life.
 */
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import type { FrameInFlight, WebSocketControl, WebSocketSide } from '../pdk/websocket.ts';
import { runSteps } from '../proxy/phase-runner.ts';
import type { OpenWebSocket, ProxyRequest } from '../proxy/proxy-request.ts';
import { headersSent } from '../proxy/serialize.ts';

/** Kong's defaults for every WebSocket service (websocket-size-limit raises or lowers them). */
export const DEFAULT_MAX_PAYLOAD = { client: 1_048_576, upstream: 16_777_216 } as const;
/** How long a close handshake may take before the connection is cut. */
export const CLOSE_TIMEOUT_MS = 2000;

const NOTHING = () => undefined;

export class WebSocketSession implements WebSocketControl, OpenWebSocket {
  readonly ctx: ProxyRequest;
  readonly frames: { client: FrameInFlight | undefined; upstream: FrameInFlight | undefined } = { client: undefined, upstream: undefined };
  readonly maxPayload: { client: number; upstream: number } = { ...DEFAULT_MAX_PAYLOAD };
  client: WebSocket | undefined;
  upstream: WebSocket | undefined;
  /** Close frames went (or are going) out both ways: nothing more is forwarded. */
  closing = false;
  #closed = 0;
  #finished = false;
  #cut: NodeJS.Timeout | undefined;
  /** Given back to the balancer when the connection ends. */
  release: () => void = NOTHING;

  constructor(ctx: ProxyRequest) {
    this.ctx = ctx;
  }

  get socket(): Duplex {
    return this.ctx.upgrade!.socket;
  }

  /** kong.websocket.<side>.close(): `status` to that side, `peerStatus` to the other. */
  close(side: WebSocketSide, status: number, reason: string, peerStatus: number, peerReason: string): void {
    if (side === 'client') this.closeBoth(status, reason, peerStatus, peerReason);
    else this.closeBoth(peerStatus, peerReason, status, reason);
  }

  /** The drain timeout of a shutdown, or an idle connection: Going Away both ways. */
  goAway(): void {
    this.closeBoth(1001, 'Going Away', 1001, 'Going Away');
  }

  /** Close frames both ways, and the sockets cut if the close handshakes do not finish in time. */
  closeBoth(clientStatus: number, clientReason: string, upstreamStatus: number, upstreamReason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.client?.close(clientStatus, clientReason);
    this.upstream?.close(upstreamStatus, upstreamReason);
    this.#cutLater();
  }

  /** One side said it closes: the other gets the close frame plugins left (`status` undefined: none). */
  closeTowards(peer: WebSocket, status: number | undefined, reason: string | Buffer): void {
    if (this.closing) return;
    this.closing = true;
    if (status === undefined) peer.close();
    else peer.close(status, reason);
    this.#cutLater();
  }

  #cutLater(): void {
    this.#cut ??= setTimeout(() => {
      this.client?.terminate();
      this.upstream?.terminate();
    }, CLOSE_TIMEOUT_MS);
    this.#cut.unref();
  }

  /** A WebSocket closed; once both have, the connection is over. */
  ended(): void {
    if (++this.#closed === 2) this.finish();
  }

  /** Once: the `wsClose` phase, the peer given back, the listener told. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#cut) clearTimeout(this.#cut);
    const ctx = this.ctx;
    ctx.env.webSockets.delete(this);
    this.release();
    const kong = ctx.pdk;
    const steps = ctx.phases.wsClose;
    if (!kong || steps.length === 0) return;
    kong.setResponse(ctx.res.statusCode, headersSent(ctx.res, kong));
    const done = runSteps('wsClose', steps, kong, { exited: false }, ctx.env, NOTHING);
    if (done instanceof Promise) done.catch(NOTHING);
  }
}

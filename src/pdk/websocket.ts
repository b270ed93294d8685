/**
 * `kong.websocket.client` and `kong.websocket.upstream` (Kong Enterprise's kong/pdk/websocket.lua, camelCased):
 * the frame in flight in that side's frame phase, what happens to it, closing the connection, and each side's
 * largest message. Each call checks its phase first, as the other namespaces do: a frame is only that side's
 * in its own frame phase, and the payload limits are set during the handshake.
 */
import type { KongWebSocket, KongWebSocketSide, WebSocketFrame, WebSocketFrameType } from './kong.ts';
import { checkPhase, PhaseError, type Phases } from './phases.ts';
import type { RequestState } from './request-state.ts';

export type WebSocketSide = 'client' | 'upstream';

/** The frame a frame phase runs over: what plugins see and leave of it. */
export class FrameInFlight implements WebSocketFrame {
  readonly side: WebSocketSide;
  readonly type: WebSocketFrameType;
  status: number | undefined;
  #raw: Buffer | undefined;
  #data: string | Buffer | undefined;
  /** Set by setFrameData (or the status), so that the loop knows to send what plugins left. */
  changed = false;
  dropped = false;
  /** The phase runner's flag: close() stops the plugins after the one that called it. */
  readonly flags = { exited: false };

  constructor(side: WebSocketSide, type: WebSocketFrameType, raw: Buffer, status?: number) {
    this.side = side;
    this.type = type;
    this.#raw = raw;
    this.status = status;
  }

  /** Text (and a close frame's reason) as a string, decoded on first read. */
  get data(): string | Buffer {
    if (this.#data === undefined) this.#data = this.type === 'text' || this.type === 'close' ? this.#raw!.toString('utf8') : this.#raw!;
    return this.#data;
  }

  set data(value: string | Buffer) {
    this.#data = value;
    this.#raw = undefined;
    this.changed = true;
  }

  /** What goes on: the original bytes unless a plugin changed them. */
  get payload(): string | Buffer {
    return this.#raw ?? this.#data!;
  }
}

/** What the connection lets plugins do to it (the frame loop implements it). */
export interface WebSocketControl {
  /** The frame each side's frame phase runs over now (the two directions run independently). */
  readonly frames: { client: FrameInFlight | undefined; upstream: FrameInFlight | undefined };
  /** The largest message each side may send, in bytes. */
  readonly maxPayload: { client: number; upstream: number };
  /** Close frames to `side` and to its peer, then the connection ends. */
  close(side: WebSocketSide, status: number, reason: string, peerStatus: number, peerReason: string): void;
}

const FRAMES: Phases = new Set(['wsClientFrame', 'wsUpstreamFrame']);
const HANDSHAKE: Phases = new Set(['wsHandshake']);
/** Kong's limit on set_max_payload_size (the websocket-size-limit plugin's maximum too). */
const MAX_PAYLOAD_LIMIT = 33_554_432;

/** RFC 6455 7.4: the codes a close frame may carry (1005, 1006 and 1015 are never sent). */
export function sendableStatus(code: number): boolean {
  return Number.isInteger(code) && ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999));
}

/** One side's functions, methods on a prototype as the other namespaces' (two small objects per connection). */
class WebSocketSideApi implements KongWebSocketSide {
  readonly #state: RequestState;
  readonly #which: WebSocketSide;
  readonly #prefix: string;

  constructor(state: RequestState, which: WebSocketSide) {
    this.#state = state;
    this.#which = which;
    this.#prefix = `kong.websocket.${which}`;
  }

  #control(fn: string): WebSocketControl {
    const ws = this.#state.websocket;
    if (!ws) throw new PhaseError(`${this.#prefix}.${fn}: not a WebSocket connection`);
    return ws;
  }

  // A side's frame is in flight only while its own frame phase runs. (The two directions run independently, and a
  // phase that awaits lets the other direction's run meanwhile: the frame, not the phase last set, is the test.)
  #frame(fn: string): FrameInFlight {
    checkPhase(this.#state, FRAMES, `${this.#prefix}.${fn}`);
    const current = this.#control(fn).frames[this.#which];
    if (!current) throw new PhaseError(`${this.#prefix}.${fn}: function cannot be called outside the ${this.#which === 'client' ? 'wsClientFrame' : 'wsUpstreamFrame'} phase`);
    return current;
  }

  getFrame(): WebSocketFrame {
    const f = this.#frame('getFrame');
    return { data: f.data, type: f.type, status: f.status };
  }

  setFrameData(data: string | Buffer): void {
    const prefix = this.#prefix;
    if (typeof data !== 'string' && !Buffer.isBuffer(data)) throw new TypeError(`${prefix}.setFrameData: data must be a string or a Buffer`);
    const f = this.#frame('setFrameData');
    if (f.type === 'close' && Buffer.byteLength(data) > 123) throw new RangeError(`${prefix}.setFrameData: a close frame's reason is at most 123 bytes`);
    if ((f.type === 'ping' || f.type === 'pong') && Buffer.byteLength(data) > 125) throw new RangeError(`${prefix}.setFrameData: a control frame's payload is at most 125 bytes`);
    f.data = data;
  }

  setStatus(status: number): void {
    const f = this.#frame('setStatus');
    if (f.type !== 'close') throw new PhaseError(`${this.#prefix}.setStatus: only a close frame has a status (this one is ${f.type})`);
    if (!sendableStatus(status)) throw new RangeError(`${this.#prefix}.setStatus: ${String(status)} is not a status a close frame may carry`);
    f.status = status;
    f.changed = true;
  }

  dropFrame(): void {
    const f = this.#frame('dropFrame');
    if (f.type === 'close') throw new PhaseError(`${this.#prefix}.dropFrame: close frames cannot be dropped`);
    f.dropped = true;
  }

  close(status = 1000, reason = '', peerStatus = status, peerReason = reason): void {
    const prefix = this.#prefix;
    checkPhase(this.#state, FRAMES, `${prefix}.close`);
    for (const code of [status, peerStatus]) {
      if (!sendableStatus(code)) throw new RangeError(`${prefix}.close: ${String(code)} is not a status a close frame may carry`);
    }
    for (const text of [reason, peerReason]) {
      if (typeof text !== 'string' || Buffer.byteLength(text) > 123) throw new RangeError(`${prefix}.close: a reason is a string of at most 123 bytes`);
    }
    const ws = this.#control('close');
    // Whatever is in flight is not forwarded, and no later plugin runs for it.
    for (const current of [ws.frames.client, ws.frames.upstream]) {
      if (!current) continue;
      current.dropped = true;
      current.flags.exited = true;
    }
    ws.close(this.#which, status, reason, peerStatus, peerReason);
  }

  setMaxPayloadSize(bytes: number): void {
    checkPhase(this.#state, HANDSHAKE, `${this.#prefix}.setMaxPayloadSize`);
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_PAYLOAD_LIMIT) throw new RangeError(`${this.#prefix}.setMaxPayloadSize: bytes must be an integer from 1 to ${MAX_PAYLOAD_LIMIT}`);
    this.#control('setMaxPayloadSize').maxPayload[this.#which] = bytes;
  }
}

export function createWebSocketApi(state: RequestState): KongWebSocket {
  return { client: new WebSocketSideApi(state, 'client'), upstream: new WebSocketSideApi(state, 'upstream') };
}

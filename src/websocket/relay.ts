/**
 * One direction of an open WebSocket connection: each message, ping and pong read from one side is written to the
 * other, through that side's frame phase when plugins have one (they may change, drop or close), in the order
 * they came: a phase that returns a promise holds the frames behind it. Fragmented messages arrive reassembled
 * (as Kong's proxy aggregates them) and leave as one frame. Back-pressure: once the other side's socket holds more
 * than HIGH_WATER bytes it has not taken, this side is read no further until it drains, so a slow reader never
 * makes the gateway buffer without bound. A close from this side goes to the other through the frame phase; a
 * message over this side's limit is closed with 1009 (ws does it) and the other side gets 1001, as in Kong.
 */
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import type { WebSocketFrameType } from '../pdk/kong.ts';
import { FrameInFlight, sendableStatus, type WebSocketSide } from '../pdk/websocket.ts';
import { runSteps } from '../proxy/phase-runner.ts';
import type { PhaseStep } from '../snapshot/plugin-plans.ts';
import type { WebSocketSession } from './session.ts';

/** Bytes the receiving side's socket may hold unsent before the sending side is paused. */
export const HIGH_WATER = 512 * 1024;

const BINARY = { binary: true } as const;
const TEXT = { binary: false } as const;
const OPEN = 1;

type Job = () => void | Promise<void>;

export function relay(session: WebSocketSession, side: WebSocketSide, from: WebSocket, to: WebSocket, toSocket: Duplex, steps: readonly PhaseStep[]): void {
  const ctx = session.ctx;
  const phase = side === 'client' ? 'wsClientFrame' : 'wsUpstreamFrame';
  let pressured = false;
  let busy = false;
  let tooBig = false;
  const queue: Job[] = [];

  const drained = () => {
    pressured = false;
    if (!busy) from.resume();
  };
  // Messages that arrive together (one read often carries many) leave together: one write for all of them.
  let corked = false;
  const uncork = () => {
    corked = false;
    toSocket.uncork();
  };
  const forward = (type: WebSocketFrameType, payload: string | Buffer) => {
    if (session.closing || to.readyState !== OPEN) return;
    if (!corked) {
      corked = true;
      toSocket.cork();
      process.nextTick(uncork);
    }
    if (type === 'binary') to.send(payload, BINARY);
    else if (type === 'text') to.send(payload, TEXT);
    else if (type === 'ping') to.ping(payload);
    else to.pong(payload);
    if (!pressured && toSocket.writableLength > HIGH_WATER) {
      pressured = true;
      from.pause();
      toSocket.once('drain', drained);
    }
  };

  // A plugin that fails (throws, rejects, times out) ends the connection: 1011 both ways, and a log line.
  const failed = () => session.closeBoth(1011, 'Internal Error', 1011, 'Internal Error');
  const settle = (frame: FrameInFlight) => {
    session.frames[side] = undefined;
    if (frame.dropped) return;
    if (frame.type === 'close') return session.closeTowards(to, frame.status, frame.payload);
    forward(frame.type, frame.payload);
  };
  const phaseOf = (type: WebSocketFrameType, raw: Buffer, status?: number): void | Promise<void> => {
    if (session.closing) return;
    const frame = new FrameInFlight(side, type, raw, status);
    session.frames[side] = frame;
    const ran = runSteps(phase, steps, ctx.pdk!, frame.flags, ctx.env, failed);
    if (ran instanceof Promise) return ran.then(() => settle(frame));
    settle(frame);
  };
  const next = (): void => {
    while (queue.length > 0) {
      const pending = queue.shift()!();
      if (pending) {
        pending.then(next, next);
        return;
      }
    }
    busy = false;
    if (!pressured) from.resume();
  };
  const submit = (job: Job) => {
    if (busy) {
      queue.push(job);
      return;
    }
    const pending = job();
    if (!pending) return;
    busy = true;
    from.pause();
    pending.then(next, next);
  };

  if (steps.length === 0) {
    from.on('message', (data: Buffer, isBinary: boolean) => forward(isBinary ? 'binary' : 'text', data));
    from.on('ping', (data: Buffer) => forward('ping', data));
    from.on('pong', (data: Buffer) => forward('pong', data));
  } else {
    from.on('message', (data: Buffer, isBinary: boolean) => submit(() => phaseOf(isBinary ? 'binary' : 'text', data)));
    from.on('ping', (data: Buffer) => submit(() => phaseOf('ping', data)));
    from.on('pong', (data: Buffer) => submit(() => phaseOf('pong', data)));
  }
  from.on('error', (err: Error & { code?: string }) => {
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') tooBig = true;
  });
  from.once('close', (code: number, reason: Buffer) => {
    if (!session.closing) {
      // Over the limit, or gone without a close frame: the other side is told this one went away.
      if (tooBig || !(code === 1005 || sendableStatus(code))) session.closeTowards(to, 1001, 'Going Away');
      else if (steps.length === 0) session.closeTowards(to, code === 1005 ? undefined : code, reason);
      else submit(() => phaseOf('close', reason, code === 1005 ? undefined : code));
    }
    session.ended();
  });
}

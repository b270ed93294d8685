/**
 * WebSocket handshakes as the HTTP server hands them over: their socket, no longer parsed as HTTP. Until the
 * peer answers 101 the socket is still an HTTP connection: the answer goes out through an answer object of its
 * own, and an ordinary answer hands the socket back to the server, which reads its next request. The socket is
 * tracked from the start (shutdown cuts it), a handshake pipelined behind an answer still going out waits for
 * it, and a socket the server does not get back is closed fully.
 */
import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { describeError } from '../errors.ts';
import { handleRequest } from './pipeline.ts';
import type { ProxyEnv } from './proxy-request.ts';

/** Node's record of the response a connection is writing (set from assignSocket until it is done). */
export const answering = (socket: Duplex) => (socket as { _httpMessage?: ServerResponse | null })._httpMessage;

/**
 * Only a handshake that is one: `Upgrade: websocket` on a GET without a body. Any other Upgrade (h2c, ...) is
 * an ordinary request, as Kong forwards only WebSocket upgrades; a handshake with a body would have its body read
 * as the connection's next request.
 */
export function isWebSocketHandshake(req: IncomingMessage): boolean {
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || req.method !== 'GET') return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length.trim() === '0');
}

/** Ends a socket and closes it fully once written (or after `ms` if the client does not take it). */
export function closeFully(socket: Duplex, ms: number, data?: string): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), ms);
  timer.unref();
  const done = () => {
    clearTimeout(timer);
    socket.destroy();
  };
  if (data === undefined) socket.end(done);
  else socket.end(data, done);
}

export function onUpgrade(env: ProxyEnv, server: Server, ssl: boolean, tunnels: Set<Duplex>, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const onError = () => socket.destroy();
  socket.on('error', onError);
  tunnels.add(socket);
  const untrack = () => tunnels.delete(socket);
  socket.once('close', untrack);
  const start = () => {
    if (socket.destroyed) return;
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    let opened = false;
    // A client that ends its side before the peer answered has left (nginx: "client prematurely closed
    // connection"): the socket is closed, and the handshake given up (the answer owner sees it gone). The HTTP
    // server, which does that for an ordinary request, no longer reads this socket.
    const ended = () => {
      if (!opened) socket.destroy();
    };
    socket.once('end', ended);
    res.once('finish', () => {
      socket.off('end', ended);
      if (opened || socket.destroyed || !res.shouldKeepAlive || env.lifecycle.draining) return closeFully(socket, env.clientTimeouts.sendMs);
      res.detachSocket(socket as Socket);
      socket.off('error', onError);
      socket.off('close', untrack);
      untrack();
      if (head.length > 0) socket.unshift(head);
      // Node emits 'close' on a response only once its socket is done with; this one's socket lives on. The
      // answer owner runs the log phase on 'close'.
      process.nextTick(() => res.emit('close'));
      // Back to the HTTP server, which parses the connection's next request.
      server.emit(ssl ? 'secureConnection' : 'connection', socket);
    });
    handleRequest(env, req, res, { socket, head, opened: () => (opened = true) });
  };
  const guarded = () => {
    try {
      start();
    } catch (err) {
      env.log.error({ err: describeError(err) }, 'a WebSocket handshake could not be handled; its connection is closed');
      socket.destroy();
    }
  };
  // A handshake pipelined behind an answer still going out waits for it (the socket has one writer at a time).
  const busy = answering(socket);
  if (!busy) return guarded();
  // Node lets go of the socket after the answer's 'finish' listeners: start on the next turn.
  let started = false;
  const later = () => {
    if (started) return;
    started = true;
    setImmediate(guarded);
  };
  busy.once('finish', later).once('close', later);
}

/**
 * Records to one tcp-log destination over one kept connection, as Kong's cosocket pool keeps it: reused while it
 * is idle for less than `keepalive` ms (0: no limit), TLS (unverified, SNI only from `tls_sni`, as Kong's
 * sslhandshake(false, tls_sni, false)) when `tls`. Records are written in order, each a JSON line, those of one
 * event-loop turn in one write; while the connection opens they wait (bounded). A receiver that is down or too slow loses records, counted; the next
 * record after a failure connects again.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { MAX_QUEUED_CHARS, MAX_QUEUED_RECORDS, reportDrop, type WarnLog } from '../log-sink.ts';

const PLUGIN = 'tcp-log';
/** nginx's default for a socket timeout of 0 (lua_socket_connect_timeout, lua_socket_send_timeout). */
const DEFAULT_TIMEOUT_MS = 60_000;

export interface TcpTarget {
  readonly host: string;
  readonly port: number;
  readonly timeout: number;
  readonly keepalive: number;
  readonly tls: boolean;
  readonly tls_sni?: string | null;
}

/** One connection and the records given to it that have not been written yet. */
interface Connection {
  readonly socket: Socket;
  inFlight: number;
  /** Records of this event-loop turn, written together at its end (one write instead of one per request). */
  pending: string[];
  pendingChars: number;
  /** It took the records of a connection the receiver closed: if it closes before writing them too, they are lost. */
  retried: boolean;
}

export class TcpSender {
  readonly #target: TcpTarget;
  readonly #timeoutMs: number;
  readonly #idleMs: number;
  /** False when no active config names the destination: closed when nothing is in flight. */
  retained = true;
  #connection: Connection | undefined;
  #log: WarnLog | undefined;
  #idle: (() => void)[] = [];
  readonly #onClosed: (sender: TcpSender) => void;

  constructor(target: TcpTarget, onClosed: (sender: TcpSender) => void = () => undefined) {
    this.#target = target;
    this.#timeoutMs = target.timeout > 0 ? target.timeout : DEFAULT_TIMEOUT_MS;
    // ngx_lua's setkeepalive(0): no idle limit.
    this.#idleMs = Math.max(target.keepalive, 0);
    this.#onClosed = onClosed;
  }

  get destination(): string {
    return `${this.#target.host}:${this.#target.port}`;
  }

  send(line: string, log: WarnLog): void {
    this.#log = log;
    const c = this.#live();
    if (c.inFlight >= MAX_QUEUED_RECORDS || c.socket.writableLength + c.pendingChars + line.length > MAX_QUEUED_CHARS) {
      return reportDrop(PLUGIN, 'queue_full', 1, log, `tcp-log: too many records waiting for ${this.destination}`);
    }
    if (c.inFlight++ === 0) c.socket.setTimeout(this.#timeoutMs);
    if (c.pending.push(line) === 1) setImmediate(() => this.#flush(c));
    c.pendingChars += line.length;
  }

  #flush(c: Connection): void {
    const lines = c.pending;
    c.pending = [];
    c.pendingChars = 0;
    if (lines.length === 0) return;
    if (c.socket.destroyed) {
      if (c.retried) return this.#written(c, new Error('connection closed'), lines.length);
      // The receiver closed the connection meanwhile (its idle timeout, say): once more on a fresh one.
      c.inFlight -= lines.length;
      const next = this.#live();
      if (next.inFlight === 0) next.socket.setTimeout(this.#timeoutMs);
      next.inFlight += lines.length;
      next.retried = true;
      if (next.pending.length === 0) setImmediate(() => this.#flush(next));
      next.pending.push(...lines);
      next.pendingChars += lines.reduce((n, l) => n + l.length, 0);
      return;
    }
    c.socket.write(lines.length === 1 ? lines[0]! : lines.join(''), (err) => this.#written(c, err, lines.length));
  }

  /** Resolves once no record is in flight. */
  drained(): Promise<void> {
    if (!this.#connection || this.#connection.inFlight === 0) return Promise.resolve();
    // The connection does not keep the process alive, except while stopping waits for it.
    this.#connection.socket.ref();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  close(): void {
    this.retained = false;
    for (const resolve of this.#idle.splice(0)) resolve();
    const c = this.#connection;
    this.#connection = undefined;
    c?.socket.destroy();
    this.#onClosed(this);
  }

  /** The open (or opening) connection, or a new one. */
  #live(): Connection {
    const c = this.#connection;
    return c && !c.socket.destroyed ? c : this.#open();
  }

  #open(): Connection {
    const { host, port, tls, tls_sni } = this.#target;
    const socket = tls
      ? tlsConnect({ host, port, rejectUnauthorized: false, ...(tls_sni ? { servername: tls_sni } : {}) })
      : tcpConnect({ host, port });
    const c: Connection = { socket, inFlight: 0, pending: [], pendingChars: 0, retried: false };
    this.#connection = c;
    socket.unref();
    socket.setNoDelay(true);
    socket.setTimeout(this.#timeoutMs);
    socket.on('timeout', () => {
      // In flight: connect or send took longer than `timeout`. Idle: `keepalive` is over.
      socket.destroy(c.inFlight > 0 ? new Error('timeout') : undefined);
    });
    // A receiver may answer or close: what it sends is not read, its close ends the connection.
    socket.on('data', () => undefined);
    socket.on('end', () => socket.destroy());
    // The records in flight are counted by their write callbacks; an idle connection is just forgotten.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.#connection === c) this.#connection = undefined;
    });
    return c;
  }

  #written(c: Connection, err: Error | null | undefined, records: number): void {
    c.inFlight -= records;
    if (c.inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
    if (err) {
      reportDrop(PLUGIN, 'send_failed', records, this.#log, `failed to send data to ${this.destination}`, err);
      if (this.#connection === c) this.#connection = undefined;
      c.socket.destroy();
    }
    if (c.inFlight > 0 || (this.#connection !== undefined && this.#connection !== c)) return;
    if (!this.retained) return this.close();
    if (this.#connection === c) c.socket.setTimeout(this.#idleMs);
  }
}

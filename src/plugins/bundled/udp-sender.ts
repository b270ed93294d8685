/**
 * Datagrams to one `host:port` (udp-log, syslog), from one connected UDP socket kept while a config names the
 * destination (Kong opens a socket per record; one kept socket sends the same datagrams without a socket and a
 * name lookup per request). Connected, the socket hears of an unreachable receiver (ICMP port unreachable): that
 * record is counted as dropped, and the next one opens a fresh socket. UDP says nothing else about delivery.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { MAX_QUEUED_RECORDS, reportDrop, type WarnLog } from './log-sink.ts';

/** A host name is looked up again (a fresh socket) at most this often, as a resolver's TTL would. */
const MAX_SOCKET_AGE_MS = 30_000;
/** nginx's default for a socket timeout of 0 (lua_socket_connect_timeout). */
const DEFAULT_TIMEOUT_MS = 60_000;

export class UdpSender {
  readonly #plugin: string;
  readonly #host: string;
  readonly #port: number;
  readonly #timeoutMs: number;
  /** False once no active config names the destination: closed when nothing is in flight. */
  retained = true;
  #socket: Socket | undefined;
  #connected = false;
  #openedAt = 0;
  /** Datagrams waiting for the socket to connect. */
  #waiting: Buffer[] = [];
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #log: WarnLog | undefined;
  readonly #onClosed: (sender: UdpSender) => void;

  constructor(plugin: string, host: string, port: number, timeoutMs: number, onClosed: (sender: UdpSender) => void = () => undefined) {
    this.#plugin = plugin;
    this.#host = host;
    this.#port = port;
    this.#timeoutMs = timeoutMs > 0 ? timeoutMs : DEFAULT_TIMEOUT_MS;
    this.#onClosed = onClosed;
  }

  get destination(): string {
    return `${this.#host}:${this.#port}`;
  }

  send(data: Buffer, log: WarnLog): void {
    this.#log = log;
    if (this.#waiting.length + this.#inFlight >= MAX_QUEUED_RECORDS) {
      return reportDrop(this.#plugin, 'queue_full', 1, log, `${this.#plugin}: too many records waiting for ${this.destination}`);
    }
    if (this.#socket && this.#connected && this.#inFlight === 0 && performance.now() - this.#openedAt > MAX_SOCKET_AGE_MS) this.#reset();
    if (!this.#socket) this.#open();
    if (!this.#connected) {
      this.#waiting.push(data);
      return;
    }
    this.#transmit(this.#socket!, data);
  }

  /** Closes the socket now; what waits for it to connect is dropped. */
  close(): void {
    this.retained = false;
    this.#reset();
    this.#onClosed(this);
  }

  #open(): void {
    const socket = createSocket({ type: isIP(this.#host) === 6 ? 'udp6' : 'udp4' });
    this.#socket = socket;
    this.#connected = false;
    this.#openedAt = performance.now();
    socket.on('error', (err) => {
      // An ICMP error on the connected socket: the receiver did not take a datagram.
      if (this.#socket !== socket) return;
      reportDrop(this.#plugin, 'send_failed', 1, this.#log, `${this.#plugin}: could not send data to ${this.destination}`, err);
      this.#reset();
    });
    socket.on('message', () => undefined);
    // The name lookup and connect get `timeout`, as Kong's setpeername.
    this.#timer = setTimeout(() => {
      if (this.#socket === socket && !this.#connected) this.#reset(new Error('timeout'));
    }, this.#timeoutMs);
    this.#timer.unref();
    socket.connect(this.#port, this.#host, (err?: Error) => {
      if (this.#socket !== socket) return;
      clearTimeout(this.#timer);
      if (err) return this.#reset(err);
      socket.unref();
      this.#connected = true;
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const data of waiting) this.#transmit(socket, data);
    });
    socket.unref();
  }

  #transmit(socket: Socket, data: Buffer): void {
    this.#inFlight++;
    try {
      socket.send(data, (err) => this.#sent(err));
    } catch (err) {
      this.#sent(err as Error);
    }
  }

  #sent(err: Error | null): void {
    this.#inFlight--;
    if (err) {
      const tooLarge = (err as NodeJS.ErrnoException).code === 'EMSGSIZE';
      reportDrop(this.#plugin, tooLarge ? 'too_large' : 'send_failed', 1, this.#log, `${this.#plugin}: could not send data to ${this.destination}`, err);
    }
    if (this.#inFlight === 0 && !this.retained) this.close();
  }

  /** Forgets the socket (the next record opens another); what waited for it is dropped, with `err` as the cause. */
  #reset(err?: Error): void {
    clearTimeout(this.#timer);
    const socket = this.#socket;
    this.#socket = undefined;
    this.#connected = false;
    if (socket) {
      try {
        socket.close();
      } catch {
        // already closed
      }
    }
    const waiting = this.#waiting.length;
    this.#waiting = [];
    if (waiting > 0) {
      const why = err ?? new Error(socket ? 'timeout' : 'closed');
      reportDrop(this.#plugin, 'send_failed', waiting, this.#log, `${this.#plugin}: could not connect to ${this.destination}`, why);
    }
  }
}

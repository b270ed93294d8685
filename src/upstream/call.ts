/**
 * What the proxy hands the upstream layer: a routed request ready to go (`UpstreamCall`), and the answer owner
 * the upstream's answer goes to (`UpstreamAnswer`), with what the log serializer reports (`UpstreamStats`).
 */
import type { Service } from '../declarative/config.ts';
import type { Headers } from '../http/headers.ts';
import type { BalanceContext, Balancer } from '../snapshot/balancer.ts';
import type { CompiledUpstream } from '../snapshot/snapshot.ts';
import type { UpstreamTls } from '../snapshot/upstream-tls.ts';

export type UpstreamHead = Record<string, string | string[] | undefined>;

/** The request body as the upstream gets it: none, bytes, or a stream. */
export type UpstreamBody = Buffer | AsyncIterable<Buffer> | null;

/** One try on a peer: when it started (ms since the epoch) and, for a try that failed, how (Kong's state/code). */
export interface UpstreamTry {
  readonly ip: string;
  readonly port: number;
  readonly start: number;
  state?: 'failed' | 'next';
  code?: number;
}

/** What the log serializer reports about the upstream side. */
export interface UpstreamStats {
  readonly tries: UpstreamTry[];
  upstreamUri: string | undefined;
  upstreamStatus: number | undefined;
  /** Milliseconds from sending the request to the response head. */
  upstreamLatency: number | undefined;
  /** Milliseconds from arrival to the request being sent upstream. */
  proxyLatency: number | undefined;
}

/**
 * The Host a try sends (kong/runloop/balancer/init.lua set_host_header): the client's when preserved, else the
 * upstream's host_header or the peer's name, with the port unless it is the scheme's default.
 */
export function tryHost(call: Pick<UpstreamCall, 'preservedHost' | 'balanced'>, peer: { readonly host: string; readonly port: number }, secure: boolean): string {
  if (call.preservedHost !== undefined) return call.preservedHost;
  const name = call.balanced?.upstream.host_header ?? peer.host;
  return peer.port === (secure ? 443 : 80) ? name : `${name}:${peer.port}`;
}

/** A routed request, ready to go upstream. */
export interface UpstreamCall {
  readonly service: Service;
  /** The client's Host when the route preserves it; else each try sends its peer's. */
  readonly preservedHost: string | undefined;
  readonly peers: Balancer;
  /** The upstream the peers come from, when they do (health checks report to it; its threshold applies). */
  readonly balanced: CompiledUpstream | undefined;
  readonly balance: BalanceContext | undefined;
  readonly tls: UpstreamTls | undefined;
  readonly method: string;
  /** Path and query. */
  readonly target: string;
  /** Built for this request only: the exchange changes it in place (Host per try, the length of a buffered body). */
  readonly headers: Headers;
  readonly body: UpstreamBody;
  /** Buffered mode: the whole answer goes to `answer.whole` before anything is sent. */
  readonly buffered: boolean;
  /** A streamed body past `bytes` is cut and answered `status` (request-size-limiting on chunked bodies). */
  readonly bodyLimit: { readonly bytes: number; readonly status: number; readonly message: string } | undefined;
  /** performance.now() when the request arrived. */
  readonly started: number;
  readonly requestId: string;
  readonly stats: UpstreamStats;
}

/** Something the client's leaving cancels. */
export interface Cancellable {
  cancel(): void;
}

/** The proxy's answer to the client, as the exchange feeds it. */
export interface UpstreamAnswer {
  /** The client has left (its socket is gone): nobody to answer. */
  readonly gone: boolean;
  /** The answer's head is out: a failure now can only cut it. */
  readonly begun: boolean;
  /** The upstream's head (streamed mode): Kong's head, the header filter, then written. */
  head(status: number, headers: UpstreamHead): void;
  /** One chunk of the body; false when the client is not keeping up (wait for `onDrain`). */
  write(chunk: Buffer): boolean;
  onDrain(resume: () => void): void;
  end(trailers: UpstreamHead): void;
  /**
   * The peer's 101 to a WebSocket handshake: Kong's head for it, through the header filter, as text to write
   * before the tunnel opens (`names`: the peer's spelling of its header names, which nginx keeps); undefined when
   * a header filter failed and Kong's 500 went out instead.
   */
  switching(headers: UpstreamHead, names: ReadonlyMap<string, string>): string | undefined;
  /** Buffered mode: the whole answer. */
  whole(status: number, headers: UpstreamHead, body: Buffer): void;
  /** Kong's error answer for a request that got no answer upstream. */
  fail(status: number, message: string): void;
  /** The answer had begun and cannot be finished. */
  cut(reason: unknown): void;
  /** While set, a client that leaves cancels this; undefined when the exchange is over. */
  attach(exchange: Cancellable | undefined): void;
}

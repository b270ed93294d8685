/**
 * The `kong` object a plugin sees during a request (the camelCase of Kong's PDK). This is the part the bundled
 * plugins use so far; it grows with the plugin runtime. Plugins get this interface only: no sockets, no
 * snapshot, no server objects.
 */
import type { Consumer, Route, Service } from '../declarative/config.ts';
import type { Credentials } from '../snapshot/credentials.ts';
import type { Captures } from '../router/router.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface KongRequest {
  getScheme(): string;
  getHost(): string;
  getPort(): number;
  getMethod(): string;
  /** The normalized path. */
  getPath(): string;
  getRawQuery(): string;
  /** Query arguments; a repeated argument gives an array, one without value gives `true`. */
  getQuery(): Readonly<Record<string, string | true | (string | true)[]>>;
  /** Case-insensitive; `_` and `-` are the same; the first value. */
  getHeader(name: string): string | undefined;
  getHeaders(): Readonly<Record<string, string | readonly string[]>>;
}

export interface KongResponse {
  /** The status being answered (header filter and log phases). */
  getStatus(): number | undefined;
  /** Response headers (header filter and log phases); case-insensitive. */
  getHeader(name: string): string | undefined;
  getHeaders(): Readonly<Record<string, string | readonly string[]>>;
  /** Header filter phase: change the headers the client will get. */
  setHeader(name: string, value: string): void;
  addHeader(name: string, value: string): void;
  clearHeader(name: string): void;
  /** Ends the request with this answer: a record becomes JSON; no later phase handler of the request runs. */
  exit(status: number, body?: string | JsonValue, headers?: Readonly<Record<string, string>>): void;
  /** Kong's error answer: the default message for the status unless one is given, typed by the client's Accept. */
  error(status: number, message?: string, headers?: Readonly<Record<string, string>>): void;
}

export interface KongServiceRequest {
  /** Access phase: headers of the request sent upstream. */
  setHeader(name: string, value: string): void;
  clearHeader(name: string): void;
  /** Access phase: drop a query argument from the request sent upstream. */
  clearQueryArg(name: string): void;
}

export interface KongRouter {
  getRoute(): Route;
  getService(): Service | null;
  getCaptures(): Captures | null;
}

export interface KongClient {
  /** The client's address, as the gateway trusts it. */
  getIp(): string;
  /** Sets who the request is from (authentication plugins); consumer-scoped plugins follow it. */
  authenticate(consumer: Consumer | null, credential: Readonly<Record<string, unknown>> | null): void;
  getConsumer(): Consumer | null;
  getCredential(): Readonly<Record<string, unknown>> | null;
  /** Credentials and consumers of the loaded config (indexes built once per config). */
  readonly credentials: Credentials;
}

export interface KongNode {
  getId(): string;
  getHostname(): string;
}

export interface Kong {
  readonly request: KongRequest;
  readonly response: KongResponse;
  readonly service: { readonly request: KongServiceRequest };
  readonly router: KongRouter;
  readonly client: KongClient;
  readonly node: KongNode;
  readonly ctx: { readonly shared: Record<string, unknown>; readonly plugin: Record<string, unknown> };
}

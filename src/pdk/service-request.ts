/** `kong.service.request`: the request the gateway sends upstream, as plugins change it (rewrite and access). */
import { applyHeaderOps, firstValue, headerName, rawHeaders, wireHeaderValue } from '../http/headers.ts';
import { escapePath } from '../http/path.ts';
import { encodeQuery, parseQuery } from '../http/query.ts';
import type { KongServiceRequest, QueryArgs } from './kong.ts';
import { BEFORE_UPSTREAM, checkPhase } from './phases.ts';
import type { RequestState } from './request-state.ts';

const toBuffer = (b: string | Buffer) => (typeof b === 'string' ? Buffer.from(b) : b);


const randomBoundary = () => String(Math.floor(Math.random() * 1e10));

/** Fields as a multipart body (sorted by name, a list as repeated parts), as Kong's set_body writes one. */
function encodeMultipart(args: QueryArgs, boundary: string): { body: Buffer; boundary: string } {
  const parts: string[] = [];
  for (const name of Object.keys(args).sort()) {
    const value = args[name]!;
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${v === true ? '' : String(v)}\r\n`);
  }
  return { body: Buffer.from(`${parts.join('')}--${boundary}--\r\n`), boundary };
}

/** Methods on a prototype: a request's `kong.service.request` is one small object, not a set of closures. */
class ServiceRequestApi implements KongServiceRequest {
  readonly #state: RequestState;
  readonly #ops: RequestState['headerOps'];

  constructor(state: RequestState) {
    this.#state = state;
    this.#ops = state.headerOps;
  }

  #check(fn: string): void {
    checkPhase(this.#state, BEFORE_UPSTREAM, `kong.service.request.${fn}`);
  }

  getHeaders() {
    const headers = rawHeaders(this.#state.facts.req.rawHeaders);
    applyHeaderOps(headers, this.#ops);
    return headers;
  }

  getQuery() {
    const state = this.#state;
    const args = parseQuery(state.upstreamQuery ?? state.facts.rawQuery);
    for (const name of state.removedQueryArgs) delete args[name];
    return args;
  }

  setHeader(name: string, value: unknown): void {
    this.#check('setHeader');
    const n = headerName(name);
    this.#ops.push([n, 'set', wireHeaderValue(n, value)]);
  }

  addHeader(name: string, value: unknown): void {
    this.#check('addHeader');
    const n = headerName(name);
    this.#ops.push([n, 'add', wireHeaderValue(n, value)]);
  }

  clearHeader(name: string): void {
    this.#check('clearHeader');
    this.#ops.push([headerName(name), 'clear', '']);
  }

  setHeaders(headers: Parameters<KongServiceRequest['setHeaders']>[0]): void {
    this.#check('setHeaders');
    for (const [k, v] of Object.entries(headers)) {
      const n = headerName(k);
      this.#ops.push([n, 'set', wireHeaderValue(n, v)]);
    }
  }

  setPath(path: string): void {
    this.#check('setPath');
    if (!path.startsWith('/')) throw new TypeError(`kong.service.request.setPath: the path must start with '/' (got '${path}')`);
    this.#state.upstreamPath = escapePath(path);
  }

  setRawQuery(query: string): void {
    this.#check('setRawQuery');
    this.#state.upstreamQuery = query.replace(/^\?/, '');
    this.#state.clearedArgs = undefined;
  }

  setQuery(args: QueryArgs): void {
    this.#check('setQuery');
    this.#state.upstreamQuery = encodeQuery(args);
    this.#state.clearedArgs = undefined;
  }

  clearQueryArg(name: string): void {
    this.#check('clearQueryArg');
    (this.#state.clearedArgs ??= new Set()).add(name);
  }

  setMethod(method: string): void {
    this.#check('setMethod');
    if (!/^[A-Z]+$/.test(method)) throw new TypeError(`kong.service.request.setMethod: '${method}' is not an HTTP method`);
    this.#state.upstreamMethod = method;
  }

  setRawBody(body: string | Buffer): void {
    this.#check('setRawBody');
    this.#state.body.replace(toBuffer(body));
  }

  setBody(body: Parameters<KongServiceRequest['setBody']>[0], mimeType?: string): void {
    this.#check('setBody');
    const state = this.#state;
    const requestType = firstValue(state.facts.req.headers['content-type']);
    const type = mimeType ?? requestType?.split(';')[0]?.trim().toLowerCase() ?? 'application/json';
    if (type === 'multipart/form-data') {
      // Kong keeps the request's boundary when it has one (and the Content-Type that names it).
      const boundary = (mimeType === undefined ? requestType : undefined)?.match(/boundary=(?:"([^"]+)"|([^;]+))/i);
      const fields = encodeMultipart(body as QueryArgs, boundary?.[1] ?? boundary?.[2]?.trim() ?? randomBoundary());
      this.#ops.push(['content-type', 'set', `multipart/form-data; boundary=${fields.boundary}`]);
      state.body.replace(fields.body);
      return;
    }
    const text = type === 'application/x-www-form-urlencoded' ? encodeQuery(body as QueryArgs) : JSON.stringify(body);
    this.#ops.push(['content-type', 'set', type]);
    state.body.replace(Buffer.from(text));
  }

  enableBuffering(): void {
    this.#check('enableBuffering');
    this.#state.bufferingEnabled = true;
  }

  setBodyLimit(bytes: number, status: number, message: string): void {
    this.#check('setBodyLimit');
    const state = this.#state;
    if (!state.bodyLimit || bytes < state.bodyLimit.bytes) state.bodyLimit = { bytes, status, message };
  }
}

export function createServiceRequestApi(state: RequestState): KongServiceRequest {
  return new ServiceRequestApi(state);
}

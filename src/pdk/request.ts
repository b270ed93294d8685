/**
 * `kong.request`: what the client sent, as Kong's PDK reads it. Headers come from the raw header list (a repeated
 * header is a list: Node keeps only the first of some and joins others with commas, which would hide a duplicated
 * credential); the query is parsed on first use; the body is read only when a plugin asks.
 */
import { firstValue, headerName, rawHeaders, type Headers } from '../http/headers.ts';
import { MAX_ARGS, parseQuery } from '../http/query.ts';
import { clientRecord } from '../http/records.ts';
import type { JsonValue, KongRequest } from './kong.ts';
import type { RequestState } from './request-state.ts';

/** Methods on a prototype: a request's `kong.request` is one small object, not a set of closures. */
class RequestApi implements KongRequest {
  readonly #state: RequestState;
  readonly #facts: RequestState['facts'];
  #query: ReturnType<typeof parseQuery> | undefined;
  #headers: Headers | undefined;

  constructor(state: RequestState) {
    this.#state = state;
    this.#facts = state.facts;
  }

  getScheme() { return this.#facts.scheme; }
  getHost() { return this.#facts.host; }
  getPort() { return this.#facts.port; }
  getForwardedScheme() { return this.#facts.forwarded.scheme; }
  getForwardedHost() { return this.#facts.forwarded.host; }
  getForwardedPort() { return this.#facts.forwarded.port; }
  getHttpVersion() { return Number(this.#facts.req.httpVersion); }
  getMethod() { return this.#facts.req.method ?? 'GET'; }
  getPath() { return this.#facts.path; }
  getPathWithQuery() { return this.#facts.target; }
  getRawQuery() { return this.#facts.rawQuery; }

  getQuery(maxArgs?: number) {
    if (maxArgs === undefined || maxArgs === MAX_ARGS) return (this.#query ??= parseQuery(this.#facts.rawQuery));
    if (!Number.isInteger(maxArgs) || maxArgs < 1 || maxArgs > 1000) throw new RangeError('kong.request.getQuery: max_args must be an integer between 1 and 1000');
    return parseQuery(this.#facts.rawQuery, maxArgs);
  }

  getQueryArg(name: string) {
    const v = this.getQuery(MAX_ARGS)[name];
    return Array.isArray(v) ? v[0] : v;
  }

  getHeader(name: string) { return firstValue(this.getHeaders()[headerName(name)]); }
  getHeaders() { return (this.#headers ??= rawHeaders(this.#facts.req.rawHeaders)); }
  getRawBody() { return this.#state.body.read(); }

  async getBody() {
    const facts = this.#facts;
    const mimeType = firstValue(facts.req.headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
    const raw = await this.#state.body.read();
    if (raw === undefined) return { body: undefined, mimeType };
    if (mimeType === 'application/json' || mimeType?.endsWith('+json')) {
      try {
        return { body: JSON.parse(raw.toString('utf8'), withoutPrototypes) as JsonValue, mimeType };
      } catch {
        return { body: undefined, mimeType };
      }
    }
    if (mimeType === 'application/x-www-form-urlencoded') return { body: parseQuery(raw.toString('utf8')) as Record<string, string | string[]>, mimeType };
    if (mimeType === 'multipart/form-data') return { body: await multipartFields(raw, firstValue(facts.req.headers['content-type'])!), mimeType };
    return { body: undefined, mimeType };
  }

  getStartTime() { return this.#facts.startedAt; }
  getConnection() { return this.#facts.connection(); }
}

export function createRequestApi(state: RequestState): KongRequest {
  return new RequestApi(state);
}

/**
 * A multipart body's fields (a repeated name a list, as Kong's `get_all_with_arrays`); undefined when it does not
 * parse. The platform's multipart parser (undici's) does the reading.
 */
async function multipartFields(raw: Buffer, contentType: string): Promise<Record<string, string | string[]> | undefined> {
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), { headers: { 'content-type': contentType } }).formData();
  } catch {
    return undefined;
  }
  const out = clientRecord<string | string[]>();
  for (const [name, entry] of form.entries()) {
    const value = typeof entry === 'string' ? entry : await entry.text();
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[name] = [existing, value];
  }
  return out;
}

/** JSON records as records without a prototype: the client's keys (`__proto__`, `constructor`) stay data. */
function withoutPrototypes(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.assign(clientRecord<unknown>(), value);
}

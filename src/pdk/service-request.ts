/** `kong.service.request`: the request the gateway sends upstream, as plugins change it (rewrite and access). */
import { applyHeaderOps, firstValue, headerName, rawHeaders, wireHeaderValue } from '../http/headers.ts';
import { encodeQuery, parseQuery } from '../http/query.ts';
import type { KongServiceRequest, QueryArgs } from './kong.ts';
import { BEFORE_UPSTREAM, checkPhase } from './phases.ts';
import type { RequestState } from './request-state.ts';

const toBuffer = (b: string | Buffer) => (typeof b === 'string' ? Buffer.from(b) : b);

// What Kong's set_path leaves as is (kong/tools/uri.lua's ESCAPE_PATTERN); anything else goes percent-encoded.
const PATH_UNSAFE = /[^!#$&'()*+,/:;=?@[\]A-Za-z0-9\-_.~%]/g;
const HAS_UNSAFE = new RegExp(PATH_UNSAFE.source);
const escapePath = (path: string) =>
  path.replace(PATH_UNSAFE, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));

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

export function createServiceRequestApi(state: RequestState): KongServiceRequest {
  const facts = state.facts;
  const ops = state.headerOps;
  const check = (fn: string) => checkPhase(state, BEFORE_UPSTREAM, `kong.service.request.${fn}`);
  return {
    getHeaders: () => {
      const headers = rawHeaders(facts.req.rawHeaders);
      applyHeaderOps(headers, ops);
      return headers;
    },
    getQuery: () => {
      const args = parseQuery(state.upstreamQuery ?? facts.rawQuery);
      for (const name of state.removedQueryArgs) delete args[name];
      return args;
    },
    setHeader: (name, value) => {
      check('setHeader');
      const n = headerName(name);
      ops.push([n, 'set', wireHeaderValue(n, value)]);
    },
    addHeader: (name, value) => {
      check('addHeader');
      const n = headerName(name);
      ops.push([n, 'add', wireHeaderValue(n, value)]);
    },
    clearHeader: (name) => {
      check('clearHeader');
      ops.push([headerName(name), 'clear', '']);
    },
    setHeaders: (headers) => {
      check('setHeaders');
      for (const [k, v] of Object.entries(headers)) {
        const n = headerName(k);
        ops.push([n, 'set', wireHeaderValue(n, v)]);
      }
    },
    setPath: (path) => {
      check('setPath');
      if (!path.startsWith('/')) throw new TypeError(`kong.service.request.setPath: the path must start with '/' (got '${path}')`);
      state.upstreamPath = HAS_UNSAFE.test(path) ? escapePath(path) : path;
    },
    setRawQuery: (query) => {
      check('setRawQuery');
      state.upstreamQuery = query.replace(/^\?/, '');
      state.clearedArgs = undefined;
    },
    setQuery: (args) => {
      check('setQuery');
      state.upstreamQuery = encodeQuery(args);
      state.clearedArgs = undefined;
    },
    clearQueryArg: (name) => {
      check('clearQueryArg');
      (state.clearedArgs ??= new Set()).add(name);
    },
    setMethod: (method) => {
      check('setMethod');
      if (!/^[A-Z]+$/.test(method)) throw new TypeError(`kong.service.request.setMethod: '${method}' is not an HTTP method`);
      state.upstreamMethod = method;
    },
    setRawBody: (body) => {
      check('setRawBody');
      state.body.replace(toBuffer(body));
    },
    setBody: (body, mimeType) => {
      check('setBody');
      const requestType = firstValue(facts.req.headers['content-type']);
      const type = mimeType ?? requestType?.split(';')[0]?.trim().toLowerCase() ?? 'application/json';
      if (type === 'multipart/form-data') {
        // Kong keeps the request's boundary when it has one (and the Content-Type that names it).
        const boundary = (mimeType === undefined ? requestType : undefined)?.match(/boundary=(?:"([^"]+)"|([^;]+))/i);
        const fields = encodeMultipart(body as QueryArgs, boundary?.[1] ?? boundary?.[2]?.trim() ?? randomBoundary());
        ops.push(['content-type', 'set', `multipart/form-data; boundary=${fields.boundary}`]);
        state.body.replace(fields.body);
        return;
      }
      const text = type === 'application/x-www-form-urlencoded' ? encodeQuery(body as QueryArgs) : JSON.stringify(body);
      ops.push(['content-type', 'set', type]);
      state.body.replace(Buffer.from(text));
    },
    enableBuffering: () => {
      check('enableBuffering');
      state.bufferingEnabled = true;
    },
    setBodyLimit: (bytes, status, message) => {
      check('setBodyLimit');
      if (!state.bodyLimit || bytes < state.bodyLimit.bytes) state.bodyLimit = { bytes, status, message };
    },
  };
}

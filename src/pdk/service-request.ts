/** `kong.service.request`: the request the gateway sends upstream, as plugins change it (rewrite and access). */
import { firstValue, headerName } from '../http/headers.ts';
import { encodeQuery } from '../http/query.ts';
import type { KongServiceRequest, QueryArgs } from './kong.ts';
import type { RequestState } from './request-state.ts';

const toBuffer = (b: string | Buffer) => (typeof b === 'string' ? Buffer.from(b) : b);

export function createServiceRequestApi(state: RequestState): KongServiceRequest {
  const facts = state.facts;
  const ops = state.headerOps;
  return {
    setHeader: (name, value) => void ops.push([headerName(name), 'set', value]),
    addHeader: (name, value) => void ops.push([headerName(name), 'add', value]),
    clearHeader: (name) => void ops.push([headerName(name), 'clear', '']),
    setHeaders: (headers) => {
      for (const [k, v] of Object.entries(headers)) ops.push([headerName(k), 'set', v]);
    },
    setPath: (path) => {
      if (!path.startsWith('/')) throw new TypeError(`kong.service.request.setPath: the path must start with '/' (got '${path}')`);
      state.upstreamPath = path;
    },
    setRawQuery: (query) => {
      state.upstreamQuery = query.replace(/^\?/, '');
      state.clearedArgs = undefined;
    },
    setQuery: (args) => {
      state.upstreamQuery = encodeQuery(args);
      state.clearedArgs = undefined;
    },
    clearQueryArg: (name) => void (state.clearedArgs ??= new Set()).add(name),
    setMethod: (method) => {
      if (!/^[A-Z]+$/.test(method)) throw new TypeError(`kong.service.request.setMethod: '${method}' is not an HTTP method`);
      state.upstreamMethod = method;
    },
    setRawBody: (body) => state.body.replace(toBuffer(body)),
    setBody: (body, mimeType) => {
      const type = mimeType ?? firstValue(facts.req.headers['content-type'])?.split(';')[0]?.trim().toLowerCase() ?? 'application/json';
      const text = type === 'application/x-www-form-urlencoded' ? encodeQuery(body as QueryArgs) : JSON.stringify(body);
      ops.push(['content-type', 'set', type]);
      state.body.replace(Buffer.from(text));
    },
    enableBuffering: () => {
      state.bufferingEnabled = true;
    },
    setBodyLimit: (bytes, status, message) => {
      if (!state.bodyLimit || bytes < state.bodyLimit.bytes) state.bodyLimit = { bytes, status, message };
    },
  };
}

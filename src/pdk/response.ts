/**
 * `kong.response`: the answer the client gets. Header changes made before an answer exists (rewrite, access)
 * are kept and applied to whatever answer comes, as in Kong; `exit` and `error` hand the answer to the proxy.
 */
import { firstValue, headerName } from '../http/headers.ts';
import type { KongResponse } from './kong.ts';
import type { RequestState } from './request-state.ts';

const EMPTY = Buffer.alloc(0);
const toBuffer = (b: string | Buffer) => (typeof b === 'string' ? Buffer.from(b) : b);

export function createResponseApi(state: RequestState): KongResponse {
  return {
    exit: (code, body, extra = {}) => state.answer(code, body, extra, 'exit'),
    error: (code, message, extra = {}) => state.answer(code, message, extra, 'error'),
    getStatus: () => state.status,
    getHeader: (name) => firstValue(state.headers[headerName(name)]),
    getHeaders: () => state.headers,
    getSource: () => state.source,
    setHeader: (name, value) => state.responseHeaderOp([headerName(name), 'set', value]),
    addHeader: (name, value) => state.responseHeaderOp([headerName(name), 'add', value]),
    clearHeader: (name) => state.responseHeaderOp([headerName(name), 'clear', '']),
    setHeaders: (headers) => {
      for (const [k, v] of Object.entries(headers)) state.responseHeaderOp([headerName(k), 'set', v]);
    },
    setStatus: (code) => {
      state.status = code;
    },
    getRawBody: () => state.responseBody,
    setRawBody: (body) => {
      state.responseBody = toBuffer(body);
    },
    getBodyChunk: () => state.chunk,
    setBodyChunk: (chunk) => {
      state.chunk = chunk === null ? EMPTY : toBuffer(chunk);
    },
    isLastChunk: () => state.lastChunk,
  };
}

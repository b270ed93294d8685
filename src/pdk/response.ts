/**
 * `kong.response`: the answer the client gets. Header changes made before an answer exists (rewrite, access)
 * are kept and applied to whatever answer comes, as in Kong; `exit` and `error` hand the answer to the proxy.
 */
import { firstValue, headerName, wireHeaderValue } from '../http/headers.ts';
import type { KongResponse } from './kong.ts';
import { BEFORE_HEAD, BODY_FILTER_ONLY, checkPhase, MAY_ANSWER, RESPONSE_ONLY, STATUS } from './phases.ts';
import type { RequestState } from './request-state.ts';

const EMPTY = Buffer.alloc(0);
const toBuffer = (b: string | Buffer) => (typeof b === 'string' ? Buffer.from(b) : b);

export function createResponseApi(state: RequestState): KongResponse {
  const head = (fn: string) => checkPhase(state, BEFORE_HEAD, `kong.response.${fn}`);
  return {
    exit: (code, body, extra = {}, options) => {
      checkPhase(state, MAY_ANSWER, 'kong.response.exit');
      state.answer(code, body, extra, 'exit', options?.proxied === true);
    },
    error: (code, message, extra = {}) => {
      checkPhase(state, MAY_ANSWER, 'kong.response.error');
      state.answer(code, message, extra, 'error');
    },
    getStatus: () => state.status,
    getHeader: (name) => firstValue(state.headers[headerName(name)]),
    getHeaders: () => state.headers,
    getSource: () => state.source,
    setHeader: (name, value) => {
      head('setHeader');
      const n = headerName(name);
      state.responseHeaderOp([n, 'set', wireHeaderValue(n, value)]);
    },
    addHeader: (name, value) => {
      head('addHeader');
      const n = headerName(name);
      state.responseHeaderOp([n, 'add', wireHeaderValue(n, value)]);
    },
    clearHeader: (name) => {
      head('clearHeader');
      state.responseHeaderOp([headerName(name), 'clear', '']);
    },
    setHeaders: (headers) => {
      head('setHeaders');
      for (const [k, v] of Object.entries(headers)) {
        const n = headerName(k);
        state.responseHeaderOp([n, 'set', wireHeaderValue(n, v)]);
      }
    },
    setStatus: (code) => {
      checkPhase(state, STATUS, 'kong.response.setStatus');
      state.status = code;
    },
    getRawBody: () => state.responseBody,
    setRawBody: (body) => {
      checkPhase(state, RESPONSE_ONLY, 'kong.response.setRawBody');
      state.responseBody = toBuffer(body);
    },
    getBodyChunk: () => state.chunk,
    setBodyChunk: (chunk) => {
      checkPhase(state, BODY_FILTER_ONLY, 'kong.response.setBodyChunk');
      state.chunk = chunk === null ? EMPTY : toBuffer(chunk);
    },
    isLastChunk: () => state.lastChunk,
  };
}

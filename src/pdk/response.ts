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

/** Methods on a prototype: a request's `kong.response` is one small object, not a set of closures. */
class ResponseApi implements KongResponse {
  readonly #state: RequestState;

  constructor(state: RequestState) {
    this.#state = state;
  }

  #head(fn: string): void {
    checkPhase(this.#state, BEFORE_HEAD, `kong.response.${fn}`);
  }

  exit(code: number, body?: Parameters<KongResponse['exit']>[1], extra: Parameters<KongResponse['exit']>[2] = {}, options?: Parameters<KongResponse['exit']>[3]): void {
    checkPhase(this.#state, MAY_ANSWER, 'kong.response.exit');
    this.#state.answer(code, body, extra, 'exit', options?.proxied === true);
  }

  error(code: number, message?: Parameters<KongResponse['error']>[1], extra: Parameters<KongResponse['error']>[2] = {}): void {
    checkPhase(this.#state, MAY_ANSWER, 'kong.response.error');
    this.#state.answer(code, message, extra, 'error');
  }

  getStatus() { return this.#state.status; }
  getHeader(name: string) { return firstValue(this.#state.headers[headerName(name)]); }
  getHeaders() { return this.#state.headers; }
  getSource() { return this.#state.source; }

  setHeader(name: string, value: unknown): void {
    this.#head('setHeader');
    const n = headerName(name);
    this.#state.responseHeaderOp([n, 'set', wireHeaderValue(n, value)]);
  }

  addHeader(name: string, value: unknown): void {
    this.#head('addHeader');
    const n = headerName(name);
    this.#state.responseHeaderOp([n, 'add', wireHeaderValue(n, value)]);
  }

  clearHeader(name: string): void {
    this.#head('clearHeader');
    this.#state.responseHeaderOp([headerName(name), 'clear', '']);
  }

  setHeaders(headers: Parameters<KongResponse['setHeaders']>[0]): void {
    this.#head('setHeaders');
    for (const [k, v] of Object.entries(headers)) {
      const n = headerName(k);
      this.#state.responseHeaderOp([n, 'set', wireHeaderValue(n, v)]);
    }
  }

  setStatus(code: number): void {
    checkPhase(this.#state, STATUS, 'kong.response.setStatus');
    this.#state.status = code;
  }

  getRawBody() { return this.#state.responseBody; }

  setRawBody(body: string | Buffer): void {
    checkPhase(this.#state, RESPONSE_ONLY, 'kong.response.setRawBody');
    this.#state.responseBody = toBuffer(body);
  }

  getBodyChunk() { return this.#state.chunk; }

  setBodyChunk(chunk: string | Buffer | null): void {
    checkPhase(this.#state, BODY_FILTER_ONLY, 'kong.response.setBodyChunk');
    this.#state.chunk = chunk === null ? EMPTY : toBuffer(chunk);
  }

  isLastChunk() { return this.#state.lastChunk; }
}

export function createResponseApi(state: RequestState): KongResponse {
  return new ResponseApi(state);
}

/** `kong.service.response`: the upstream's own answer, before plugins changed what the client gets. */
import { firstValue, headerName } from '../http/headers.ts';
import type { KongServiceResponse } from './kong.ts';
import type { RequestState } from './request-state.ts';

/** Methods on a prototype: one small object per request, not a set of closures. */
class ServiceResponseApi implements KongServiceResponse {
  readonly #state: RequestState;

  constructor(state: RequestState) {
    this.#state = state;
  }

  getStatus() { return this.#state.serviceStatus; }
  getHeader(name: string) { return firstValue(this.#state.serviceHeaders[headerName(name)]); }
  getHeaders() { return this.#state.serviceHeaders; }
  getRawBody() { return this.#state.serviceBody; }
}

export function createServiceResponseApi(state: RequestState): KongServiceResponse {
  return new ServiceResponseApi(state);
}

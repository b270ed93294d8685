/** `kong.service.response`: the upstream's own answer, before plugins changed what the client gets. */
import { firstValue, headerName } from '../http/headers.ts';
import type { KongServiceResponse } from './kong.ts';
import type { RequestState } from './request-state.ts';

export function createServiceResponseApi(state: RequestState): KongServiceResponse {
  return {
    getStatus: () => state.serviceStatus,
    getHeader: (name) => firstValue(state.serviceHeaders[headerName(name)]),
    getHeaders: () => state.serviceHeaders,
    getRawBody: () => state.serviceBody,
  };
}

/** `kong.router`: the matched route and service (null before routing, in the rewrite phase) and regex captures. */
import type { KongRouter } from './kong.ts';
import type { RequestState } from './request-state.ts';

export function createRouterApi(state: RequestState): KongRouter {
  return {
    getRoute: () => state.match?.route ?? null,
    getService: () => state.match?.service ?? null,
    getCaptures: () => state.match?.captures ?? null,
  };
}

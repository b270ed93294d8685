/** `kong.router`: the matched route and service (null before routing, in the rewrite phase) and regex captures. */
import type { KongRouter } from './kong.ts';
import type { RequestState } from './request-state.ts';

/** Methods on a prototype: a request's `kong.router` is one small object, not a set of closures. */
class RouterApi implements KongRouter {
  readonly #state: RequestState;

  constructor(state: RequestState) {
    this.#state = state;
  }

  getRoute() { return this.#state.match?.route ?? null; }
  getService() { return this.#state.match?.service ?? null; }
  getCaptures() { return this.#state.match?.captures ?? null; }
}

export function createRouterApi(state: RequestState): KongRouter {
  return new RouterApi(state);
}

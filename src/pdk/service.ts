/** `kong.service`: where the request goes (another upstream, or a host and port) and its two halves. */
import type { KongService } from './kong.ts';
import { ACCESS_ONLY, BEFORE_UPSTREAM, checkPhase } from './phases.ts';
import type { RequestState } from './request-state.ts';
import { createServiceRequestApi } from './service-request.ts';
import { createServiceResponseApi } from './service-response.ts';

/** Methods on a prototype; its two halves are made when first used. */
class ServiceApi implements KongService {
  readonly #state: RequestState;
  #request: KongService['request'] | undefined;
  #response: KongService['response'] | undefined;

  constructor(state: RequestState) {
    this.#state = state;
  }

  get request(): KongService['request'] {
    return (this.#request ??= createServiceRequestApi(this.#state));
  }

  get response(): KongService['response'] {
    return (this.#response ??= createServiceResponseApi(this.#state));
  }

  setUpstream(name: string): boolean {
    checkPhase(this.#state, ACCESS_ONLY, 'kong.service.setUpstream');
    if (!this.#state.facts.hasUpstream(name)) return false;
    this.#state.upstreamOverride = { kind: 'upstream', name };
    return true;
  }

  setTarget(host: string, port: number): void {
    checkPhase(this.#state, BEFORE_UPSTREAM, 'kong.service.setTarget');
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`kong.service.setTarget: invalid port ${port}`);
    this.#state.upstreamOverride = { kind: 'target', host, port };
  }
}

export function createServiceApi(state: RequestState): KongService {
  return new ServiceApi(state);
}

/** `kong.service`: where the request goes (another upstream, or a host and port) and its two halves. */
import type { KongService } from './kong.ts';
import { ACCESS_ONLY, BEFORE_UPSTREAM, checkPhase } from './phases.ts';
import type { RequestState } from './request-state.ts';
import { createServiceRequestApi } from './service-request.ts';
import { createServiceResponseApi } from './service-response.ts';

export function createServiceApi(state: RequestState): KongService {
  return {
    request: createServiceRequestApi(state),
    response: createServiceResponseApi(state),
    setUpstream: (name) => {
      checkPhase(state, ACCESS_ONLY, 'kong.service.setUpstream');
      if (!state.facts.hasUpstream(name)) return false;
      state.upstreamOverride = { kind: 'upstream', name };
      return true;
    },
    setTarget: (host, port) => {
      checkPhase(state, BEFORE_UPSTREAM, 'kong.service.setTarget');
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`kong.service.setTarget: invalid port ${port}`);
      state.upstreamOverride = { kind: 'target', host, port };
    },
  };
}

/** `kong.client`: the peer and the client as the gateway trusts it, and the consumer authentication identified. */
import type { ConsumerGroup } from '../declarative/config.ts';
import type { KongClient } from './kong.ts';
import { ACCESS_ONLY, checkPhase } from './phases.ts';
import type { RequestState } from './request-state.ts';

export function createClientApi(state: RequestState): KongClient {
  const facts = state.facts;
  return {
    getIp: () => facts.peerIp,
    getForwardedIp: () => facts.forwardedIp,
    getPort: () => facts.req.socket.remotePort ?? 0,
    authenticate: (consumer, credential) => {
      checkPhase(state, ACCESS_ONLY, 'kong.client.authenticate');
      state.consumer = consumer;
      state.credential = credential;
    },
    getConsumer: () => state.consumer,
    getCredential: () => state.credential,
    getConsumerGroups: (): readonly ConsumerGroup[] => (state.consumer ? facts.credentials.consumerGroupsOf(state.consumer.id) : []),
    credentials: facts.credentials,
  };
}

/** `kong.client`: the peer and the client as the gateway trusts it, and the consumer authentication identified. */
import type { ConsumerGroup } from '../declarative/config.ts';
import type { KongClient } from './kong.ts';
import { ACCESS_ONLY, checkPhase } from './phases.ts';
import type { RequestState } from './request-state.ts';

/** Methods on a prototype: a request's `kong.client` is one small object, not a set of closures. */
class ClientApi implements KongClient {
  readonly #state: RequestState;
  readonly credentials: KongClient['credentials'];

  constructor(state: RequestState) {
    this.#state = state;
    this.credentials = state.facts.credentials;
  }

  getIp() { return this.#state.facts.peerIp; }
  getForwardedIp() { return this.#state.facts.forwardedIp; }
  getPort() { return this.#state.facts.req.socket.remotePort ?? 0; }

  authenticate(consumer: Parameters<KongClient['authenticate']>[0], credential: Parameters<KongClient['authenticate']>[1]): void {
    checkPhase(this.#state, ACCESS_ONLY, 'kong.client.authenticate');
    this.#state.consumer = consumer;
    this.#state.credential = credential;
  }

  getConsumer() { return this.#state.consumer; }
  getCredential() { return this.#state.credential; }

  getConsumerGroups(): readonly ConsumerGroup[] {
    const consumer = this.#state.consumer;
    return consumer ? this.#state.facts.credentials.consumerGroupsOf(consumer.id) : [];
  }
}

export function createClientApi(state: RequestState): KongClient {
  return new ClientApi(state);
}

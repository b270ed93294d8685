/**
 * What one plugin instance sees: its own `ctx.plugin` and log child, over the request's PDK objects (each built
 * on first use, so a chain of plugins that touch nothing costs next to nothing).
 */
import { processCache } from './cache.ts';
import type { Kong, KongCache, KongClient, KongLog, KongNode, KongRequest, KongResponse, KongRouter, KongService, KongWebSocket } from './kong.ts';
import { createLogApi } from './log.ts';
import { NODE } from './node.ts';
import type { RequestState } from './request-state.ts';

export class PluginKong implements Kong {
  readonly #state: RequestState;
  readonly #name: string;
  #log: KongLog | undefined;
  #ctx: Kong['ctx'] | undefined;

  constructor(state: RequestState, name: string) {
    this.#state = state;
    this.#name = name;
  }

  get request(): KongRequest {
    return this.#state.requestApi;
  }

  get response(): KongResponse {
    return this.#state.responseApi;
  }

  get service(): KongService {
    return this.#state.serviceApi;
  }

  get client(): KongClient {
    return this.#state.clientApi;
  }

  get websocket(): KongWebSocket {
    return this.#state.websocketApi;
  }

  get router(): KongRouter {
    return this.#state.routerApi;
  }

  get node(): KongNode {
    return NODE;
  }

  get cache(): KongCache {
    return processCache;
  }

  get ctx(): Kong['ctx'] {
    return (this.#ctx ??= { shared: this.#state.shared, plugin: {} });
  }

  get log(): KongLog {
    return (this.#log ??= createLogApi(this.#state, this.#name));
  }
}

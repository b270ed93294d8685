/**
 * The contract of a plugin's handler module (`<plugin>/handler.ts`, default export). Phases take
 * `(kong, config, prepared)` and may return a promise; the runner awaits only when one comes back.
 */
import type { CertificateKong, Kong } from '../pdk/kong.ts';

/** The request phases; `certificate` runs during TLS handshakes, with its own smaller `kong`. */
export type Phase = 'rewrite' | 'access' | 'response' | 'headerFilter' | 'bodyFilter' | 'log';

/** Where an instance is attached (ids; null for none), for plugins that key state by it as Kong does. */
export interface PluginInstance {
  readonly id: string;
  readonly routeId: string | null;
  readonly serviceId: string | null;
  readonly consumerId: string | null;
}

type PhaseFn<C, P> = (kong: Kong, config: C, prepared: P) => void | Promise<void>;

export interface PluginHandler<C = Readonly<Record<string, unknown>>, P = unknown> {
  readonly version: string;
  /** Execution order: higher runs first (Kong's PRIORITY). */
  readonly priority: number;
  /** Once per process, before the first request. */
  readonly initWorker?: () => void | Promise<void>;
  /**
   * Once per instance per loaded config, before any request sees it: the work a config needs whatever the
   * request (regexes, sets, parsed addresses). Its result is the phases' third argument. A throw refuses the
   * config, with the error's message at the instance's `config`. `instance` is given when the snapshot is
   * compiled (not when a config is only validated).
   */
  readonly prepare?: (config: C, instance?: PluginInstance) => P;
  /** Before a config is served (at start and on every change): every active config of this plugin, or null. */
  readonly configure?: (configs: readonly C[] | null) => void | Promise<void>;
  readonly rewrite?: PhaseFn<C, P>;
  readonly access?: PhaseFn<C, P>;
  readonly response?: PhaseFn<C, P>;
  readonly headerFilter?: PhaseFn<C, P>;
  readonly bodyFilter?: PhaseFn<C, P>;
  readonly log?: PhaseFn<C, P>;
  /**
   * Stream connections (routes with tcp, tls or tls_passthrough): once a route matched, before the upstream is
   * connected. `kong.response.exit(status)` refuses the connection (it is closed).
   */
  readonly preread?: PhaseFn<C, P>;
  /** During a TLS handshake on an ssl listener, for global instances; throwing refuses the handshake. */
  readonly certificate?: (kong: CertificateKong, config: C, prepared: P) => void | Promise<void>;
}

export function definePluginHandler<C, P = undefined>(handler: PluginHandler<C, P>): PluginHandler<C, P> {
  return handler;
}

/**
 * The contract of a plugin's handler module (`<plugin>/handler.ts`, default export). Phases take `(kong, config)`
 * and may return a promise; the runner awaits only when one comes back.
 */
import type { CertificateKong, Kong } from '../pdk/kong.ts';

/** The request phases; `certificate` runs during TLS handshakes, with its own smaller `kong`. */
export type Phase = 'rewrite' | 'access' | 'response' | 'headerFilter' | 'bodyFilter' | 'log';

type PhaseFn<C> = (kong: Kong, config: C) => void | Promise<void>;

export interface PluginHandler<C = Readonly<Record<string, unknown>>> {
  readonly version: string;
  /** Execution order: higher runs first (Kong's PRIORITY). */
  readonly priority: number;
  /** Once per process, before the first request. */
  readonly initWorker?: () => void | Promise<void>;
  /** At start and on every config change: every active config of this plugin, or null when it has none. */
  readonly configure?: (configs: readonly C[] | null) => void | Promise<void>;
  readonly rewrite?: PhaseFn<C>;
  readonly access?: PhaseFn<C>;
  readonly response?: PhaseFn<C>;
  readonly headerFilter?: PhaseFn<C>;
  readonly bodyFilter?: PhaseFn<C>;
  readonly log?: PhaseFn<C>;
  /** During a TLS handshake on an ssl listener, for global instances; throwing refuses the handshake. */
  readonly certificate?: (kong: CertificateKong, config: C) => void | Promise<void>;
}

export function definePluginHandler<C>(handler: PluginHandler<C>): PluginHandler<C> {
  return handler;
}

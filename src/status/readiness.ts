/**
 * Kong's `/status/ready` verdict (kong/status/ready.lua, DB-less): draining first; then every worker must serve
 * a config (Kong counts router builds); then the config must not be empty (Kong's empty-config hash). The
 * messages are Kong's, word for word: probes and dashboards match on them.
 */
export interface Readiness {
  readonly ready: boolean;
  readonly message: string;
}

export interface ReadinessFacts {
  /** SIGTERM came, or `POST /status/ready` asked for `draining`. */
  readonly draining: boolean;
  /** Workers serving a config, and workers in all. */
  readonly workersReady: number;
  readonly workers: number;
  /** The config served has no entities at all. */
  readonly emptyConfig: boolean;
}

export const READY: Readiness = Object.freeze({ ready: true, message: 'ready' });

export function readiness(facts: ReadinessFacts): Readiness {
  if (facts.draining) return { ready: false, message: 'draining' };
  if (facts.workersReady < facts.workers) {
    return { ready: false, message: `router builds not yet complete, router ready in ${facts.workersReady} of ${facts.workers} workers` };
  }
  if (facts.emptyConfig) return { ready: false, message: 'no configuration available (empty configuration present)' };
  return READY;
}

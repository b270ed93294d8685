/**
 * Keep-alive connection pools to upstream peers, keyed by origin and connect timeout. They outlive snapshots: a
 * reload keeps existing connections; `closeIdle` retires pools no snapshot uses any more.
 */
import { Pool } from 'undici';

export interface PoolKey {
  readonly protocol: 'http' | 'https';
  readonly host: string;
  readonly port: number;
  readonly connectTimeout: number;
  /** For https: whether the peer's certificate is verified (Kong's service tls_verify; default here: false as Kong's proxy_ssl_verify). */
  readonly tlsVerify: boolean;
  readonly servername: string | undefined;
}

export class PoolRegistry {
  readonly #pools = new Map<string, Pool>();

  get(key: PoolKey): Pool {
    const id = `${key.protocol}://${key.host.includes(':') ? `[${key.host}]` : key.host}:${key.port}|${key.connectTimeout}|${key.tlsVerify}|${key.servername ?? ''}`;
    let pool = this.#pools.get(id);
    if (!pool) {
      const origin = id.slice(0, id.indexOf('|'));
      pool = new Pool(origin, {
        connect: {
          timeout: key.connectTimeout,
          ...(key.protocol === 'https' ? { rejectUnauthorized: key.tlsVerify, ...(key.servername ? { servername: key.servername } : {}) } : {}),
        },
        keepAliveTimeout: 60_000,
        // Timeouts are set per request from the service; these are only the pool's defaults.
        headersTimeout: 0,
        bodyTimeout: 0,
        pipelining: 1,
      });
      this.#pools.set(id, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.close().catch(() => undefined)));
    this.#pools.clear();
  }
}

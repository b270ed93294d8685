/**
 * Keep-alive connection pools to upstream peers, keyed by origin and connect timeout. They outlive snapshots: a
 * reload keeps existing connections; `closeIdle` retires pools no snapshot uses any more.
 */
import type { TLSSocket } from 'node:tls';
import { buildConnector, Pool } from 'undici';
import { checkVerifyDepth } from './verify-depth.ts';
import type { UpstreamTls } from '../snapshot/upstream-tls.ts';

export interface PoolKey {
  readonly protocol: 'http' | 'https';
  readonly host: string;
  readonly port: number;
  readonly connectTimeout: number;
  readonly servername: string | undefined;
  /** For https: verification, trusted CAs, client certificate (the service's settings). */
  readonly tls: UpstreamTls | undefined;
}

/** A connector that refuses upstream certificate chains longer than tls_verify_depth allows. */
function depthChecking(options: buildConnector.BuildOptions, depth: number): buildConnector.connector {
  const base = buildConnector(options);
  return (opts, callback) => base(opts, (err, socket) => {
    if (err || !socket) return callback(err ?? new Error('no socket'), null);
    const tooDeep = checkVerifyDepth(socket as TLSSocket, depth);
    if (!tooDeep) return callback(null, socket);
    socket.destroy();
    callback(tooDeep, null);
  });
}

export class PoolRegistry {
  readonly #pools = new Map<string, Pool>();

  get(key: PoolKey): Pool {
    const id = `${key.protocol}://${key.host.includes(':') ? `[${key.host}]` : key.host}:${key.port}|${key.connectTimeout}|${key.tls?.id ?? ''}|${key.servername ?? ''}`;
    let pool = this.#pools.get(id);
    if (!pool) {
      const origin = id.slice(0, id.indexOf('|'));
      const connect = {
        timeout: key.connectTimeout,
        ...(key.protocol === 'https'
          ? {
              rejectUnauthorized: key.tls?.verify ?? false,
              ...(key.servername ? { servername: key.servername } : {}),
              ...(key.tls?.ca ? { ca: [...key.tls.ca] } : {}),
              ...(key.tls?.cert && key.tls.key ? { cert: key.tls.cert, key: key.tls.key } : {}),
            }
          : {}),
      };
      const depth = key.protocol === 'https' ? key.tls?.verifyDepth : undefined;
      pool = new Pool(origin, {
        connect: depth === undefined ? connect : depthChecking(connect, depth),
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

  /**
   * After a reload: closes the pools of origins (`host:port`) the new config no longer sends to. undici's close
   * lets requests in flight finish first, so nothing is cut.
   */
  retainOnly(origins: ReadonlySet<string>): void {
    for (const [id, pool] of this.#pools) {
      const origin = id.slice(id.indexOf('://') + 3, id.indexOf('|'));
      if (origins.has(origin)) continue;
      this.#pools.delete(id);
      void pool.close().catch(() => undefined);
    }
  }

  get size(): number {
    return this.#pools.size;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.close().catch(() => undefined)));
    this.#pools.clear();
  }
}

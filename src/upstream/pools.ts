/**
 * Keep-alive connection pools to upstream peers, keyed by origin and connect timeout. They outlive snapshots: a
 * reload keeps existing connections; `closeIdle` retires pools no snapshot uses any more.
 */
import type { TLSSocket } from 'node:tls';
import { buildConnector, Pool } from 'undici';
import { checkVerifyDepth } from './verify-depth.ts';
import { poolId, type PoolKey } from './pool-key.ts';

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
    const id = poolId(key);
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
   * After a reload: closes the pools the new config no longer sends to (`poolIdsOf`): origins gone, and origins
   * whose connect timeout or TLS settings changed. undici's close lets requests in flight finish first, so nothing
   * is cut; a request of the old snapshot that still needs one gets a new pool, closed at the next reload.
   */
  retainOnly(ids: ReadonlySet<string>): void {
    for (const [id, pool] of this.#pools) {
      if (ids.has(id)) continue;
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

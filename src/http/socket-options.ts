/**
 * What `server.listen` takes for a listen address. As nginx (since 1.3.4), an IPv6 address is IPv6 only unless
 * `ipv6only=off`: Kong's Helm chart listens on `0.0.0.0:8000` and `[::]:8000` side by side.
 */
import type { ListenOptions } from 'node:net';

export interface SocketAddress {
  readonly host: string;
  readonly port: number;
  readonly backlog?: number;
  readonly ipv6Only?: boolean;
}

export function socketOptions(at: SocketAddress): ListenOptions {
  return {
    port: at.port,
    host: at.host,
    ...(at.backlog === undefined ? {} : { backlog: at.backlog }),
    ...(at.host.includes(':') ? { ipv6Only: at.ipv6Only ?? true } : {}),
  };
}

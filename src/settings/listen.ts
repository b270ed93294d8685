/**
 * Kong's listen syntax (kong/conf_loader/listeners.lua): `ADDR:PORT [flag...]`, comma-separated, `off` for
 * none. Kong's http flags are all accepted: those that work here do what nginx does, the others are warned about
 * (never an exit), and a word Kong does not know is refused, as Kong refuses it.
 */
import { GatewayError } from '../errors.ts';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
  readonly ssl: boolean;
  /** Connections start with a PROXY protocol header (nginx's `proxy_protocol` listen option). */
  readonly proxyProtocol?: boolean;
  /** nginx's `backlog=N`: the length of the queue of connections not yet accepted (Node's `backlog`). */
  readonly backlog?: number;
  /** nginx's `ipv6only=on|off`, when given: an IPv6 wildcard address takes IPv4 connections too, or not. */
  readonly ipv6Only?: boolean;
}

/** Kong's http listen flags that change nothing here, and why (each is warned about once). */
const NO_EFFECT: readonly [RegExp, string][] = [
  [/^http2$/, 'HTTP/2 is not served here: clients get HTTP/1.1 (ALPN offers only http/1.1)'],
  [/^deferred$/, 'Node has no TCP_DEFER_ACCEPT'],
  [/^so_keepalive=(on|off|\w*:\w*:\d*)$/, "Node does not set a listener's TCP keepalive"],
];

/**
 * Flags that hold here without anything to do: every address is bound on its own (nginx's `bind`), and the
 * workers share each port with SO_REUSEPORT (`reuseport`).
 */
const IMPLIED = /^(bind|reuseport)$/;

const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/;

/**
 * `values`: the entries (already split on commas). `warn` receives one line per flag that has no effect here.
 * `udp` (for the stream listener) is Kong's stream-only flag: accepted only when `stream` is set.
 */
export function parseListen(flag: string, values: readonly string[], fallback: string, warn: (message: string) => void = () => {}, stream = false): ListenAddress[] {
  const list = values.length === 0 ? fallback.split(',').map((v) => v.trim()) : values;
  if (list[0]?.trim() === 'off') return [];
  return list.map((entry) => {
    const [address, ...flags] = entry.trim().split(/\s+/);
    const m = ADDRESS.exec(address ?? '');
    if (!m || Number(m[2]) > 65535) throw new GatewayError('BAD_USAGE', `${flag}: expected ADDR:PORT [ssl] [flags], got '${entry}'`);
    const listen: { -readonly [K in keyof ListenAddress]: ListenAddress[K] } = { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]), ssl: false };
    for (const f of flags) {
      const backlog = /^backlog=(\d+)$/.exec(f);
      const ipv6only = /^ipv6only=(on|off)$/.exec(f);
      const noEffect = NO_EFFECT.find(([pattern]) => pattern.test(f));
      if (f === 'ssl') listen.ssl = true;
      else if (f === 'proxy_protocol') listen.proxyProtocol = true;
      else if (backlog) listen.backlog = Number(backlog[1]);
      else if (ipv6only) listen.ipv6Only = ipv6only[1] === 'on';
      else if (IMPLIED.test(f)) continue;
      else if (noEffect) warn(`${flag}: '${f}' in '${entry.trim()}' has no effect here (${noEffect[1]})`);
      else if (stream && f === 'udp') throw new GatewayError('BAD_USAGE', `${flag}: 'udp' is not supported here, in '${entry.trim()}'`);
      else throw new GatewayError('BAD_USAGE', `${flag}: unknown option '${f}' in '${entry.trim()}' (Kong's: ssl, http2, proxy_protocol, deferred, bind, reuseport, backlog=N, ipv6only=on|off, so_keepalive=...)`);
    }
    if (listen.proxyProtocol && listen.ssl) throw new GatewayError('BAD_USAGE', `${flag}: proxy_protocol is not supported with ssl yet, in '${entry.trim()}'`);
    return listen;
  });
}



/**
 * Kong's protocol lists: every protocol a route, service or plugin may name, the families a route's protocols
 * must come from, and which run in the HTTP subsystem (the proxy) rather than the stream one.
 */

/** Every protocol a route, service or plugin may name. */
export const ALL_PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp', 'ws', 'wss'] as const;
export type Protocol = (typeof ALL_PROTOCOLS)[number];

/** Kong's `typedefs.protocols_http`: the protocols of the HTTP subsystem. */
export const HTTP_PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'ws', 'wss'] as const satisfies readonly Protocol[];
export const HTTP_SUBSYSTEM: ReadonlySet<string> = new Set(HTTP_PROTOCOLS);

/** Kong's PROTOCOLS_WITH_SUBSYSTEM: the protocols of the stream subsystem (the stream listeners). */
export const STREAM_SUBSYSTEM: ReadonlySet<string> = new Set(['tcp', 'tls', 'tls_passthrough', 'udp']);

/** Default of a plugin entity's `protocols` field in Kong. */
export const DEFAULT_PLUGIN_PROTOCOLS = ['grpc', 'grpcs', 'http', 'https'] as const satisfies readonly Protocol[];

/** A route's protocols come from one of these (Kong: "these sets are mutually exclusive"). */
export const WEB_PROTOCOLS = ['http', 'https', 'ws', 'wss'] as const satisfies readonly Protocol[];
export const STREAM_PROTOCOLS = ['tcp', 'tls', 'udp'] as const satisfies readonly Protocol[];
export const ROUTE_PROTOCOL_GROUPS: readonly (readonly Protocol[])[] = [WEB_PROTOCOLS, STREAM_PROTOCOLS, ['tls_passthrough'], ['grpc', 'grpcs']];

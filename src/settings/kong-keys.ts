/**
 * Every key of Kong 3.10's kong.conf (kong/templates/kong_defaults.lua) and what it does here, for `KONG_*`
 * variables and `--conf` files alike. A key that is the twin of a setting names it in SETTING_SPECS (`kongEnv`);
 * this table holds the rest: a few more names of the same settings (Kong's aliases), the keys refused because
 * running on would betray the user, and those that have no effect here. A key with no effect is warned about,
 * unless its value is what happens here anyway (Kong's default, or a value listed as `fine`).
 */
import type { SettingKey } from './settings.ts';

export type KongKeyRule =
  /** Another of Kong's names for a setting (the spec's `kongEnv` wins when both are set, as Kong's alias does). */
  | { readonly kind: 'alias'; readonly setting: SettingKey }
  | { readonly kind: 'refused'; readonly why: string; readonly accepts: readonly string[] }
  | { readonly kind: 'no-effect'; readonly why: string; readonly fine: readonly string[] };

const NO_NGINX = 'there is no nginx or OpenResty here';
const LOG = "the gateway's log is JSON lines on stdout";
const NO_DB = 'there is no database here (database = off)';
const NO_HYBRID = 'there is no hybrid mode here (role = traditional)';
const TLS = "TLS takes Node's defaults: TLSv1.2 and TLSv1.3, Node's cipher list, session tickets";
const UPSTREAM_TLS = "upstream TLS is verified against Node's CA store (NODE_EXTRA_CA_CERTS adds to it) and a service's ca_certificates";
const DNS = "names resolve with the system's resolver (getaddrinfo), as Node's dns.lookup does";
const BODIES = 'request bodies stream through; limits are the request-size-limiting plugin\'s';
const NO_GUI = 'there is no Kong Manager here';

/** [why, { key: Kong's default, or [default, ...more fine values] }]. */
const NO_EFFECT: readonly [string, Readonly<Record<string, string | readonly string[]>>][] = [
  [NO_NGINX, {
    prefix: '/usr/local/kong/', nginx_user: 'kong kong', nginx_main_user: 'kong kong',
    nginx_main_worker_rlimit_nofile: 'auto', nginx_events_worker_connections: 'auto', nginx_events_multi_accept: 'on', nginx_http_charset: 'UTF-8',
    nginx_http_lua_regex_match_limit: '100000', nginx_http_lua_regex_cache_max_entries: '8192', nginx_http_keepalive_requests: '10000',
    openresty_path: '', lua_socket_pool_size: '256', lua_package_cpath: '', worker_events_max_payload: '65535',
    dedicated_config_processing: 'on', worker_consistency: 'eventual', worker_state_update_frequency: '5',
    lmdb_environment_path: 'dbless.lmdb', lmdb_map_size: '2048m',
    lua_max_req_headers: '100', lua_max_resp_headers: '100', lua_max_uri_args: '100', lua_max_post_args: '100',
  }],
  ['the gateway runs in the foreground', { nginx_daemon: ['off'], nginx_main_daemon: ['off'] }],
  ['custom plugins are JavaScript here: --plugins-path (GATEWAY_PLUGINS_PATH) names their folders', { lua_package_path: './?.lua;./?/init.lua;' }],
  [LOG, {
    proxy_error_log: ['logs/error.log', '/dev/stdout', '/dev/stderr'], admin_error_log: ['logs/error.log', '/dev/stdout', '/dev/stderr'],
    status_error_log: ['logs/status_error.log', '/dev/stdout', '/dev/stderr'], proxy_stream_error_log: ['logs/error.log', '/dev/stdout', '/dev/stderr'],
  }],
  ['no access log is written here', { admin_access_log: ['off'], status_access_log: 'off', proxy_stream_access_log: ['off'] }],
  [NO_GUI, {
    admin_gui_listen: ['off'], admin_gui_access_log: 'logs/admin_gui_access.log', admin_gui_error_log: 'logs/admin_gui_error.log', admin_gui_ssl_cert: '', admin_gui_ssl_cert_key: '',
    admin_gui_url: '', admin_gui_path: '/', admin_gui_api_url: '', admin_gui_csp_header: 'off',
  }],
  [NO_DB, {
    pg_host: '127.0.0.1', pg_port: '5432', pg_database: 'kong', pg_schema: '', pg_timeout: '5000', pg_user: 'kong', pg_password: '', pg_ssl: 'off', pg_ssl_verify: 'off',
    pg_max_concurrent_queries: '0', pg_semaphore_timeout: '60000', pg_keepalive_timeout: '', pg_pool_size: '', pg_backlog: '', _debug_pg_ttl_cleanup_interval: '300',
    pg_ro_host: '', pg_ro_port: '', pg_ro_database: '', pg_ro_schema: '', pg_ro_timeout: '', pg_ro_user: '', pg_ro_password: '', pg_ro_ssl: '', pg_ro_ssl_verify: '',
    pg_ro_max_concurrent_queries: '', pg_ro_semaphore_timeout: '', pg_ro_keepalive_timeout: '', pg_ro_pool_size: '', pg_ro_backlog: '',
    db_update_frequency: '5', db_update_propagation: '0', db_cache_ttl: '0', db_cache_neg_ttl: '', db_resurrect_ttl: '30', db_cache_warmup_entities: 'services',
  }],
  [NO_HYBRID, {
    cluster_listen: ['0.0.0.0:8005', 'off'], cluster_control_plane: '127.0.0.1:8005', cluster_cert: '', cluster_cert_key: '', cluster_mtls: 'shared', cluster_ca_cert: '',
    cluster_server_name: '', cluster_data_plane_purge_delay: '1209600', cluster_ocsp: 'off', cluster_max_payload: '16777216', cluster_use_proxy: 'off',
    cluster_dp_labels: '', cluster_rpc: 'off', cluster_rpc_sync: 'off', cluster_cjson: 'off',
  }],
  [TLS, {
    ssl_cipher_suite: 'intermediate', ssl_ciphers: '', ssl_protocols: 'TLSv1.2 TLSv1.3', ssl_prefer_server_ciphers: 'on', ssl_dhparam: '', ssl_session_tickets: 'on',
    ssl_session_timeout: '1d', ssl_session_cache_size: '10m', nginx_http_ssl_protocols: '', nginx_http_ssl_prefer_server_ciphers: '', nginx_http_ssl_dhparam: '',
    nginx_http_ssl_session_tickets: '', nginx_http_ssl_session_timeout: '', nginx_http_ssl_conf_command: '', nginx_http_proxy_ssl_conf_command: '',
    nginx_http_lua_ssl_conf_command: '', nginx_http_grpc_ssl_conf_command: '', nginx_stream_ssl_conf_command: '', nginx_stream_proxy_ssl_conf_command: '',
    nginx_stream_lua_ssl_conf_command: '', nginx_stream_ssl_protocols: '', nginx_stream_ssl_prefer_server_ciphers: '', nginx_stream_ssl_dhparam: '',
    nginx_stream_ssl_session_tickets: '', nginx_stream_ssl_session_timeout: '',
  }],
  ["a client certificate for upstreams is a service's client_certificate here", { client_ssl: 'off', client_ssl_cert: '', client_ssl_cert_key: '' }],
  [UPSTREAM_TLS, { lua_ssl_trusted_certificate: 'system', lua_ssl_verify_depth: '1', lua_ssl_protocols: 'TLSv1.2 TLSv1.3' }],
  [DNS, {
    dns_resolver: '', dns_hostsfile: '/etc/hosts', dns_order: 'LAST,SRV,A,CNAME', dns_valid_ttl: '', dns_stale_ttl: '3600', dns_cache_size: '10000',
    dns_not_found_ttl: '30', dns_error_ttl: '1', dns_no_sync: 'off', new_dns_client: 'off', resolver_address: '', resolver_hosts_file: '/etc/hosts',
    resolver_family: 'A,SRV', resolver_valid_ttl: '', resolver_stale_ttl: '3600', resolver_lru_cache_size: '10000', resolver_mem_cache_size: '5m', resolver_error_ttl: '1',
  }],
  [BODIES, {
    nginx_http_client_max_body_size: '0', nginx_http_client_body_buffer_size: '8k', client_body_buffer_size: '8k',
    nginx_admin_client_max_body_size: '10m', nginx_admin_client_body_buffer_size: '10m',
  }],
  ['upstream connections are pooled by undici with its own limits', { upstream_keepalive_pool_size: '512', upstream_keepalive_max_requests: '10000', upstream_keepalive_idle_timeout: '60' }],
  ['there are no debug headers here', { allow_debug_header: 'off', request_debug: 'on', request_debug_token: '' }],
  ['no reports are sent from here', { anonymous_reports: ['on', 'off'] }],
  ['nothing here makes requests through a forward proxy', { proxy_server: '', proxy_server_ssl_verify: 'on' }],
  ['there is no Lua here: Lua-valued plugin fields are refused', { untrusted_lua: 'sandbox', untrusted_lua_sandbox_requires: '', untrusted_lua_sandbox_environment: '' }],
  ['external plugin servers are not supported here', { pluginserver_names: '' }],
  ['there is no tracing here', { opentelemetry_tracing: 'off', opentelemetry_tracing_sampling_rate: '0.01', tracing_instrumentations: 'off', tracing_sampling_rate: '0.01' }],
  ['there are no WebAssembly filters here', { wasm: 'off', wasm_filters_path: '', wasm_dynamic_module: '', wasm_filters: 'bundled,user' }],
  ["routes are matched as Kong's traditional_compatible flavour (expression routes work whatever the flavour)", { router_flavor: 'traditional_compatible' }],
  ["the 'env' vault is always available, and vaults entities add prefixes", { vaults: 'bundled' }],
  ['the node id is a new random UUID at each start', { node_id: '' }],
  ['it has no effect here', { kic: ['off', 'on'], host_ports: '' }],
];

const RULES = new Map<string, KongKeyRule>([
  ['nginx_main_worker_processes', { kind: 'alias', setting: 'workers' }],
  ['nginx_proxy_real_ip_header', { kind: 'alias', setting: 'realIpHeader' }],
  ['nginx_proxy_real_ip_recursive', { kind: 'alias', setting: 'realIpRecursive' }],
  ['database', { kind: 'refused', why: 'this gateway is DB-less: only off', accepts: ['off'] }],
  ['role', { kind: 'refused', why: 'this gateway runs as a traditional node: no hybrid mode', accepts: ['traditional'] }],
  ['declarative_config_string', { kind: 'refused', why: 'the config is read from a file here: name it with declarative_config (-c)', accepts: [] }],
  ...NO_EFFECT.flatMap(([why, keys]) => Object.entries(keys).map(([key, fine]): [string, KongKeyRule] => [key, { kind: 'no-effect', why, fine: typeof fine === 'string' ? [fine] : fine }])),
]);

/** Kong's families of free-form keys (kong/conf_loader/constants.lua's DYNAMIC_KEY_NAMESPACES). */
const NAMESPACES: readonly [RegExp, string][] = [
  [/^nginx_/, 'an nginx directive: there is no nginx here'],
  [/^pluginserver_/, 'external plugin servers are not supported here'],
  [/^vault_/, "vault settings: the 'env' vault takes its prefix from a vaults entity here"],
];

export type KongKeyClass = KongKeyRule | { readonly kind: 'unknown'; readonly why: string };

/** What a Kong key without a spec of its own is here. */
export function classifyKongKey(key: string): KongKeyClass {
  const rule = RULES.get(key);
  if (rule) return rule;
  const family = NAMESPACES.find(([pattern]) => pattern.test(key));
  if (family) return { kind: 'no-effect', why: family[1], fine: [] };
  return { kind: 'unknown', why: 'not a setting of Kong 3.10' };
}

/** Every key the table names (for tests and the README). */
export const KONG_KEYS_TABLE: ReadonlyMap<string, KongKeyRule> = RULES;

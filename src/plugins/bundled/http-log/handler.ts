// Kong: kong/plugins/http-log/handler.lua
/**
 * The log phase pushes the request's record (`kong.log.serialize()`, built once per request) onto the queue of
 * this instance's log server, and returns: the record is encoded and sent from the queue, later. Everything that
 * depends on the config alone (endpoint, headers, queue name and params) is worked out in `prepare`.
 */
import type { KongLog } from '../../../pdk/kong.ts';
import type { PluginConfig } from '../../schema-types.ts';
import { definePluginHandler, type PluginInstance } from '../../types.ts';
import { drainQueues, enqueue, queueFor, type LogQueue, type QueueBinding, type QueueParams } from '../log-queue.ts';
import type schema from './schema.ts';
import { closePools, encodeRecord, sendEntries, type Entry, type SendConfig } from './sender.ts';

type Config = PluginConfig<typeof schema>;

const PLUGIN = 'http-log';
/** How long `configure(null)` (shutdown, or no instance left) waits for the queues to send what they hold. */
const DRAIN_MS = 5000;

interface Prepared {
  readonly binding: QueueBinding<SendConfig, Entry>;
  /** The queue last pushed to; asked for again once it is done. */
  queue: LogQueue<SendConfig, Entry> | undefined;
  /** Whether records are encoded when pushed (max_bytes counts bytes of JSON). */
  readonly encodeNow: boolean;
  /** Kong's deprecation warnings for the legacy fields, at most once a minute. */
  readonly legacy: readonly string[];
}

/** Kong's make_queue_name: instances with the same log server parameters share a queue. */
function queueName(c: Config): string {
  return `${c.http_endpoint}:${c.method}:${c.content_type}:${c.timeout}:${c.keepalive}:${c.retry_count ?? 'nil'}`;
}

/** Kong's Queue.get_plugin_params: the legacy fields, when set to other than their old defaults, win. */
function queueParams(c: Config): { params: QueueParams; legacy: string[] } {
  const q = c.queue;
  const legacy: string[] = [];
  let maxBatch = q.max_batch_size;
  let delay = q.max_coalescing_delay;
  if (c.retry_count !== null && c.retry_count !== undefined && c.retry_count !== 10) {
    legacy.push('the retry_count parameter no longer works, please update your configuration to use initial_retry_delay and max_retry_time instead');
  }
  if (c.queue_size !== null && c.queue_size !== undefined && c.queue_size !== 1) {
    maxBatch = c.queue_size;
    legacy.push('the queue_size parameter is deprecated, please update your configuration to use queue.max_batch_size instead');
  }
  if (c.flush_timeout !== null && c.flush_timeout !== undefined && c.flush_timeout !== 2) {
    delay = c.flush_timeout;
    legacy.push('the flush_timeout parameter is deprecated, please update your configuration to use queue.max_coalescing_delay instead');
  }
  return {
    params: {
      max_batch_size: maxBatch,
      max_coalescing_delay: delay,
      max_entries: q.max_entries,
      max_bytes: q.max_bytes ?? null,
      max_retry_time: q.max_retry_time,
      initial_retry_delay: q.initial_retry_delay,
      max_retry_delay: q.max_retry_delay,
      concurrency_limit: q.concurrency_limit,
    },
    legacy,
  };
}

/** The userinfo as written in the URL (Kong encodes it as it is, without unescaping). */
function userinfoOf(endpoint: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(endpoint);
  return m?.[1];
}

/** One pool per origin, keepalive and timeout (the pool's connect timeout and idle time). */
const poolKeyOf = (c: Config, origin = new URL(c.http_endpoint).origin) => `${origin}|${c.keepalive}|${c.timeout}`;

function sendConfig(c: Config, single: boolean): SendConfig {
  const url = new URL(c.http_endpoint);
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const host = url.hostname;
  const origin = url.origin;
  const headers: Record<string, string> = { 'Content-Type': c.content_type };
  const userinfo = userinfoOf(c.http_endpoint);
  if (userinfo !== undefined) headers.Authorization = `Basic ${Buffer.from(userinfo).toString('base64')}`;
  for (const [name, value] of Object.entries(c.headers ?? {})) if (headers[name] === undefined) headers[name] = value;
  return {
    origin,
    poolKey: poolKeyOf(c, origin),
    path: url.pathname === '' ? '/' : url.pathname,
    hostPort: `${host}:${port}`,
    method: c.method,
    headers,
    timeout: c.timeout,
    keepalive: c.keepalive,
    single,
  };
}

const byteLength = (e: Entry) => (typeof e === 'string' ? Buffer.byteLength(e) : undefined);

const warnedAt = new Map<string, number>();
function warnLegacy(log: KongLog, name: string, messages: readonly string[]): void {
  const now = Date.now();
  for (const message of messages) {
    const key = `${name}/${message}`;
    if (now - (warnedAt.get(key) ?? -Infinity) < 60_000) continue;
    warnedAt.set(key, now);
    log.warn(message);
  }
}

let poolKeys = new Set<string>();

export default definePluginHandler<Config, Prepared>({
  version: '1.0.0',
  priority: 12,
  prepare(config, instance?: PluginInstance) {
    const { params, legacy } = queueParams(config);
    const conf = sendConfig(config, params.max_batch_size === 1);
    return {
      binding: {
        name: queueName(config),
        plugin: PLUGIN,
        tag: `${PLUGIN} plugin ${instance?.id ?? ''}`,
        params,
        handler: sendEntries,
        conf,
        sizeOf: byteLength,
      },
      queue: undefined,
      encodeNow: params.max_bytes !== null,
      legacy,
    };
  },
  configure(configs) {
    if (configs === null) {
      return drainQueues(PLUGIN, DRAIN_MS).then(() => closePools((poolKeys = new Set())));
    }
    // Pools no config names any more go (a queue still sending to one makes it again).
    poolKeys = new Set(configs.map((c) => poolKeyOf(c)));
    void closePools(poolKeys);
  },
  log(kong, _config, p) {
    let q = p.queue;
    if (q === undefined || q.dead) q = p.queue = queueFor(p.binding, kong.log);
    if (p.legacy.length > 0) warnLegacy(kong.log, p.binding.name, p.legacy);
    const record = kong.log.serialize();
    const refused = enqueue(q, p.binding.conf, p.encodeNow ? encodeRecord(record) : record, kong.log);
    if (refused !== undefined) kong.log.debug(`Failed to enqueue log entry to log server: ${refused}`);
  },
});

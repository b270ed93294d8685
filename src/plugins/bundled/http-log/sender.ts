/**
 * Kong's http-log `send_entries`: one batch to the log server in one request: the entry itself when
 * `max_batch_size` is 1, else a JSON array (even of one entry), with the configured method, content type and
 * headers, Basic auth from the endpoint's userinfo, and `timeout` on connecting, sending and reading. A status of
 * 300 or more, or no answer, fails the batch (the queue retries it). Requests go through one undici pool per
 * endpoint origin and keepalive, kept across batches and reloads.
 */
import { Pool } from 'undici';

/** What sending needs, worked out once per config (`prepare`). */
export interface SendConfig {
  /** scheme://host:port, and the key of the pool. */
  readonly origin: string;
  readonly poolKey: string;
  /** Kong sends to the endpoint's path only (its query is not sent). */
  readonly path: string;
  readonly hostPort: string;
  readonly method: 'POST' | 'PUT' | 'PATCH';
  readonly headers: Readonly<Record<string, string>>;
  readonly timeout: number;
  readonly keepalive: number;
  /** Kong's conf.queue.max_batch_size == 1: the body is the entry, not an array. */
  readonly single: boolean;
}

const pools = new Map<string, Pool>();

/** undici's timers take at most about 24.8 days; Kong's keepalive 0 is "never time out". */
const FOREVER = 2 ** 31 - 1;

function poolFor(c: SendConfig): Pool {
  let pool = pools.get(c.poolKey);
  if (pool && !pool.closed && !pool.destroyed) return pool;
  const idle = c.keepalive <= 0 ? FOREVER : Math.min(c.keepalive, FOREVER);
  pool = new Pool(c.origin, {
    keepAliveTimeout: idle,
    keepAliveMaxTimeout: idle,
    connect: { timeout: c.timeout, rejectUnauthorized: false },
  });
  pools.set(c.poolKey, pool);
  return pool;
}

/** Closes the pools no config uses any more (in-flight requests finish first); all of them when `keep` is empty. */
export function closePools(keep: ReadonlySet<string>): Promise<void> {
  const closing: Promise<void>[] = [];
  for (const [key, pool] of pools) {
    if (keep.has(key)) continue;
    pools.delete(key);
    closing.push(pool.close().catch(() => undefined));
  }
  return Promise.all(closing).then(() => undefined);
}

/** An entry as it waits: the record, or already JSON (when the queue counts bytes). */
export type Entry = Readonly<Record<string, unknown>> | string;

/**
 * The JSON of frozen values by identity: a record's route, service and consumer are the config's entities, deeply
 * frozen and the same object for every request, and they are half of a record's bytes.
 */
const frozenJson = new WeakMap<object, string>();
const quotedKeys = new Map<string, string>();

/** JSON.stringify of a record, with the JSON of its frozen members reused. */
export function encodeRecord(record: Readonly<Record<string, unknown>>): string {
  let out = '';
  for (const k in record) {
    const v = record[k];
    if (v === undefined || typeof v === 'function') continue;
    let json: string | undefined;
    if (typeof v === 'object' && v !== null && Object.isFrozen(v)) {
      json = frozenJson.get(v);
      if (json === undefined) frozenJson.set(v, (json = JSON.stringify(v)));
    } else {
      json = JSON.stringify(v);
    }
    if (json === undefined) continue;
    let key = quotedKeys.get(k);
    if (key === undefined) {
      key = `${JSON.stringify(k)}:`;
      if (quotedKeys.size < 1000) quotedKeys.set(k, key);
    }
    out += out === '' ? key + json : `,${key}${json}`;
  }
  return `{${out}}`;
}

const encodeEntry = (e: Entry) => (typeof e === 'string' ? e : encodeRecord(e));

/**
 * The body, as bytes: each record's JSON written once into one buffer (joining the strings first, then encoding
 * the result, copies a batch twice).
 */
export function encode(c: SendConfig, entries: readonly Entry[]): Buffer {
  if (c.single) return Buffer.from(encodeEntry(entries[0]!));
  const pieces = entries.map(encodeEntry);
  const sizes = pieces.map((p) => Buffer.byteLength(p));
  let total = pieces.length + 1; // brackets and commas
  for (const n of sizes) total += n;
  const body = Buffer.allocUnsafe(total);
  let at = 0;
  body[at++] = 0x5b; // [
  for (let i = 0; i < pieces.length; i++) {
    if (i > 0) body[at++] = 0x2c; // ,
    const piece = pieces[i]!;
    // A record in ASCII (the usual case) is copied byte for byte; one with other characters is encoded as UTF-8.
    at += body.write(piece, at, sizes[i] === piece.length ? 'latin1' : 'utf8');
  }
  body[at] = 0x5d; // ]
  return body;
}

export async function sendEntries(c: SendConfig, entries: Entry[]): Promise<void> {
  const body = encode(c, entries);
  let res: Awaited<ReturnType<Pool['request']>>;
  try {
    res = await poolFor(c).request({
      path: c.path,
      method: c.method,
      headers: c.headers,
      body,
      headersTimeout: c.timeout,
      bodyTimeout: c.timeout,
    });
  } catch (err) {
    throw new Error(`failed request to ${c.hostPort}: ${describe(err)}`);
  }
  // The body is always read, so that the connection can be reused; of a failure's, the start goes in the message.
  if (res.statusCode < 300) {
    await res.body.dump({ limit: BODY_READ_LIMIT }).catch(() => undefined);
    return;
  }
  throw new Error(`request to ${c.hostPort} returned status code ${res.statusCode} and body ${await bodyStart(res.body)}`);
}

/** What is read of a log server's answer: more than this, and the connection is closed instead. */
const BODY_READ_LIMIT = 64 * 1024;
const MESSAGE_BODY_LIMIT = 1024;

async function bodyStart(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let read = 0;
  try {
    for await (const chunk of body) {
      if (read < MESSAGE_BODY_LIMIT) chunks.push(chunk);
      read += chunk.length;
      if (read > BODY_READ_LIMIT) {
        body.destroy();
        break;
      }
    }
  } catch {
    // A body cut short still says what it said.
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.length > MESSAGE_BODY_LIMIT ? `${text.slice(0, MESSAGE_BODY_LIMIT)}...` : text;
}

/** Kong's (lua-resty-http's) words for the usual failures. */
function describe(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  if (code === 'ECONNREFUSED') return 'connection refused';
  return err instanceof Error ? err.message : String(err);
}

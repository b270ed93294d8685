/**
 * Deterministic entity ids, as Kong's DB-less mode derives them: UUIDv5 (RFC 4122, SHA-1) in a namespace per
 * entity collection, over the entity's cache key or endpoint key. Same file → same ids on every reload and replica.
 */
import { sha1Words } from './sha1.ts';

/** Kong's root namespace for declarative ids. */
const KONG_NAMESPACE = 'fd02801f-0957-4a15-a55a-c8d9606f30b5';

const namespaceBytes = new Map<string, Buffer>();

function uuidBytes(uuid: string): Buffer {
  let bytes = namespaceBytes.get(uuid);
  if (!bytes) {
    bytes = Buffer.from(uuid.replace(/-/g, ''), 'hex');
    namespaceBytes.set(uuid, bytes);
  }
  return bytes;
}

/** Reused for every id (ids are computed for every entity of every load); grown when a name needs more. */
let scratch = Buffer.allocUnsafe(4096);
const text = Buffer.alloc(36, '-', 'latin1');
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Where each of the 16 digest bytes goes in `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. */
const OFFSETS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

export function uuidv5(namespace: string, name: string): string {
  const ns = uuidBytes(namespace);
  if (scratch.length < 16 + name.length * 3) scratch = Buffer.allocUnsafe(16 + name.length * 3);
  ns.copy(scratch, 0);
  const length = 16 + scratch.write(name, 16, 'utf8');
  const words = sha1Words(scratch, length);
  // Written as text into one buffer whose dashes never change: one flat string per id (ids are map keys; a
  // concatenation would be flattened again on first use). The first 16 digest bytes, big-endian.
  for (let i = 0; i < 16; i++) {
    let b = (words[i >> 2]! >>> (24 - 8 * (i & 3))) & 0xff;
    // RFC 4122: version 5 in the high nibble of byte 6, variant 10xx in the high bits of byte 8.
    if (i === 6) b = (b & 0x0f) | 0x50;
    else if (i === 8) b = (b & 0x3f) | 0x80;
    text[OFFSETS[i]!] = HEX[b >> 4]!;
    text[OFFSETS[i]! + 1] = HEX[b & 0x0f]!;
  }
  return text.toString('latin1', 0, 36);
}

const namespaces = new Map<string, string>();

export function collectionNamespace(collection: string): string {
  let ns = namespaces.get(collection);
  if (!ns) {
    ns = uuidv5(KONG_NAMESPACE, collection);
    namespaces.set(collection, ns);
  }
  return ns;
}

/** Id from a cache key: `<collection>:*:<v1>:<v2>…` (workspace `*`, missing values empty). */
export function idFromCacheKey(collection: string, values: readonly string[]): string {
  return uuidv5(collectionNamespace(collection), `${collection}:*:${values.join(':')}`);
}

/** Id from an endpoint key value (a name or username). */
export function idFromEndpointKey(collection: string, key: string): string {
  return uuidv5(collectionNamespace(collection), key);
}

/**
 * Where Kong would pick a random id (no name, no usable cache key), we derive one from the entity's content (its
 * references included, as ids), so that ids stay stable across reloads and replicas. `occurrence` separates
 * identical entries.
 */
export function idFromContent(collection: string, content: string, occurrence: number): string {
  return uuidv5(collectionNamespace(collection), `#content:${content}:${occurrence}`);
}

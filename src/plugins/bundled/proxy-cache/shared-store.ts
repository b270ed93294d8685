/**
 * proxy-cache's memory strategy in a SharedArrayBuffer, so that the worker threads of a node (and the primary's
 * admin API) see one cache, as Kong's nginx workers share one shared dict. Two parts:
 *  - an arena of `budget` bytes written as a ring of records (cache-ring.ts): each response is one record (its
 *    dictionary and key, a JSON head, its body and request body); past the budget the oldest go, unless they
 *    were read since they were written (a second chance);
 *  - an index: open addressing over PROBE slots from the key's home; a slot has a lock word (a seqlock for
 *    readers), the key's hash, its dictionary's hash, the record's size, a read mark, and in Float64 the
 *    record's position and its expiry.
 * Stores take one writer lock (they are misses, the rare path) and copy the response in; fetches take none:
 * they copy the record out, then check that it was neither overwritten nor replaced meanwhile. A record never
 * changes while it is there, and positions are never reused, so each thread keeps the records it read lately
 * decoded, by position (up to LOCAL_BYTES): a hit then reads only the index.
 */
import { LRUCache } from 'lru-cache';
import { lock, readBegin, readValid, tookOver, unlock } from '../../../shared-memory/locks.ts';
import { hashKey, powerOfTwo } from '../../../shared-memory/string-keys.ts';
import { align, CacheRing, RECORD_HEAD, type RingIndex } from './cache-ring.ts';
import { decodeRecord, encodeHead, recordHasKey } from './cache-record.ts';
import { entrySize, type CachedResponse } from './store.ts';

const PROBE = 16;
// Index slot: Int32 [lock, hash, dictionary hash, record bytes, read since written];
// Float64 [position, expires at (0: never used, -1: purged)].
const WORDS = 5;
// Control: Int32 [writer lock, ...]; BigInt64 [head, tail] from byte 16.
const CONTROL = 32;
const LOCAL_BYTES = 16 * 1024 * 1024;

/** Plain, structured-cloneable data: the shared buffer, the arena's size and the index's slot count. */
export interface CacheTableHandle {
  readonly buffer: SharedArrayBuffer;
  readonly budget: number;
  readonly slots: number;
}

interface Decoded {
  readonly dictionary: string;
  readonly key: string;
  readonly entry: CachedResponse;
}

function layout(budget: number, slots: number) {
  const numbers = CONTROL;
  const words = numbers + slots * 2 * 8;
  const arena = align(words + slots * WORDS * 4);
  return { numbers, words, arena, bytes: arena + budget };
}

export function createCacheTable(budget: number): CacheTableHandle {
  if (!Number.isSafeInteger(budget) || budget < 1024) throw new RangeError(`shared proxy-cache: the budget must be at least 1024 bytes, got ${budget}`);
  const arena = Math.floor(budget / 8) * 8;
  // One slot per 2 KB of budget (at least 1024): smaller entries on average fill the index first, which then
  // evicts the oldest of a key's window.
  const slots = powerOfTwo(Math.max(1024, Math.ceil(arena / 2048)));
  return { buffer: new SharedArrayBuffer(layout(arena, slots).bytes), budget: arena, slots };
}

export class SharedCacheStore implements RingIndex {
  readonly #control: Int32Array;
  readonly #ring: CacheRing;
  readonly #numbers: Float64Array;
  readonly #words: Int32Array;
  readonly #arena: Buffer;
  readonly #budget: number;
  readonly #mask: number;
  readonly #now: () => number;
  readonly #decoded: LRUCache<number, Decoded>;

  /** `localBytes`: how much this thread keeps decoded (0: none, every hit decodes; benches). */
  constructor(handle: CacheTableHandle, now: () => number = Date.now, localBytes = LOCAL_BYTES) {
    const at = layout(handle.budget, handle.slots);
    if (handle.buffer.byteLength !== at.bytes) throw new RangeError('shared proxy-cache: the buffer does not match its sizes');
    this.#control = new Int32Array(handle.buffer, 0, 4);
    this.#numbers = new Float64Array(handle.buffer, at.numbers, handle.slots * 2);
    this.#words = new Int32Array(handle.buffer, at.words, handle.slots * WORDS);
    this.#arena = Buffer.from(handle.buffer, at.arena, handle.budget);
    this.#ring = new CacheRing(new BigInt64Array(handle.buffer, 16, 2), this.#arena);
    this.#budget = handle.budget;
    this.#mask = handle.slots - 1;
    this.#now = now;
    this.#decoded = new LRUCache<number, Decoded>({ maxSize: Math.max(1, Math.min(localBytes, handle.budget)), sizeCalculation: (d) => entrySize(d.key, d.entry) });
  }

  get budget(): number {
    return this.#budget;
  }

  fetch(dictionary: string, key: string): CachedResponse | undefined {
    const dict = hashKey(dictionary);
    const hash = hashKey(key, dict);
    const home = hash & this.#mask;
    const words = this.#words;
    const numbers = this.#numbers;
    for (let j = 0; j < PROBE; j++) {
      const slot = (home + j) & this.#mask;
      const w = slot * WORDS;
      const seq = readBegin(words, w);
      const expiresAt = numbers[slot * 2 + 1]!;
      if (expiresAt === 0) return undefined;
      if (words[w + 1] !== hash || words[w + 2] !== dict) continue;
      const position = numbers[slot * 2]!;
      const size = words[w + 3]!;
      if (!readValid(words, w, seq)) {
        j--;
        continue;
      }
      if (expiresAt <= this.#now() || position < this.#ring.tail()) continue;
      const known = this.#decoded.get(position);
      if (known && known.key === key && known.dictionary === dictionary) return this.#read(w, known.entry);
      let entry: CachedResponse | undefined;
      try {
        entry = decodeRecord(this.#arena, position % this.#budget, size, dictionary, key);
      } catch {
        // A record overwritten while it was read can hold anything: the check below says it is gone.
      }
      // Overwritten while it was copied, or the slot given to another record: it is gone.
      if (position < this.#ring.tail() || !readValid(words, w, seq)) return undefined;
      if (entry) {
        this.#remember(position, dictionary, key, entry);
        return this.#read(w, entry);
      }
    }
    return undefined;
  }

  /** Stores for `ttlSeconds` (0: until evicted). False when it cannot: a negative TTL, or a record larger than the arena. */
  store(dictionary: string, key: string, entry: CachedResponse, ttlSeconds: number): boolean {
    if (!(ttlSeconds >= 0)) return false;
    const head = encodeHead(entry);
    const keyUnits = dictionary.length + 1 + key.length;
    const reqBody = entry.reqBody;
    const size = align(RECORD_HEAD + keyUnits * 2 + head.length + entry.body.length + (reqBody?.length ?? 0));
    if (size > this.#budget) return false;
    const dict = hashKey(dictionary);
    const hash = hashKey(key, dict);
    const expiresAt = ttlSeconds === 0 ? Number.POSITIVE_INFINITY : this.#now() + Math.round(ttlSeconds * 1000);
    const from = lock(this.#control, 0);
    if (tookOver()) this.#ring.clear();
    try {
      const position = this.#ring.allocate(size, this);
      const slot = this.#slotFor(dictionary, key, dict, hash);
      const arena = this.#arena;
      let p = position % this.#budget;
      arena.writeInt32LE(keyUnits, p);
      arena.writeInt32LE(head.length, p + 4);
      arena.writeInt32LE(entry.body.length, p + 8);
      arena.writeInt32LE(reqBody ? reqBody.length : -1, p + 12);
      arena.writeInt32LE(slot, p + 16);
      arena.writeInt32LE(0, p + 20);
      p += RECORD_HEAD;
      for (let i = 0; i < dictionary.length; i++, p += 2) arena.writeUInt16LE(dictionary.charCodeAt(i), p);
      arena.writeUInt16LE(0, p);
      p += 2;
      for (let i = 0; i < key.length; i++, p += 2) arena.writeUInt16LE(key.charCodeAt(i), p);
      arena.set(head, p);
      p += head.length;
      arena.set(entry.body, p);
      p += entry.body.length;
      if (reqBody) arena.set(reqBody, p);
      const w = slot * WORDS;
      const held = lock(this.#words, w);
      this.#words[w + 1] = hash;
      this.#words[w + 2] = dict;
      this.#words[w + 3] = size;
      this.#words[w + 4] = 0;
      this.#numbers[slot * 2] = position;
      this.#numbers[slot * 2 + 1] = expiresAt;
      unlock(this.#words, w, held);
      this.#remember(position, dictionary, key, entry);
      return true;
    } finally {
      unlock(this.#control, 0, from);
    }
  }

  purge(dictionary: string, key: string): boolean {
    const dict = hashKey(dictionary);
    const hash = hashKey(key, dict);
    const from = lock(this.#control, 0);
    try {
      const slot = this.#slotOf(dictionary, key, dict, hash);
      if (slot < 0) return false;
      this.#kill(slot);
      return true;
    } finally {
      unlock(this.#control, 0, from);
    }
  }

  flush(dictionary: string): void {
    const dict = hashKey(dictionary);
    this.#killWhere((slot) => this.#words[slot * WORDS + 2] === dict);
  }

  /** Drops the entries of every dictionary not named (by their dictionary's hash). */
  retain(dictionaries: ReadonlySet<string>): void {
    const kept = new Set([...dictionaries].map((d) => hashKey(d)));
    this.#killWhere((slot) => !kept.has(this.#words[slot * WORDS + 2]!));
  }

  /** Bytes the live records of a dictionary hold (tests and diagnostics; a scan of the index). */
  bytes(dictionary: string): number {
    const dict = hashKey(dictionary);
    let n = 0;
    for (let slot = 0; slot <= this.#mask; slot++) if (this.#live(slot) && this.#words[slot * WORDS + 2] === dict) n += this.#words[slot * WORDS + 3]!;
    return n;
  }

  /** The ring's question, under the writer lock: is the record at `position` its key's, and read since written? */
  takeChance(slot: number, position: number): boolean {
    if (!(slot >= 0 && slot <= this.#mask) || this.#numbers[slot * 2] !== position || !(this.#numbers[slot * 2 + 1]! > this.#now())) return false;
    if (this.#words[slot * WORDS + 4] === 0) return false;
    this.#words[slot * WORDS + 4] = 0;
    return true;
  }

  moved(slot: number, from: number, to: number): void {
    const w = slot * WORDS;
    const held = lock(this.#words, w);
    if (this.#numbers[slot * 2] === from) this.#numbers[slot * 2] = to;
    unlock(this.#words, w, held);
  }

  /** A hit marks its record read (written only when it was not, so that hot entries do not bounce a cache line). */
  #read(w: number, entry: CachedResponse): CachedResponse {
    if (this.#words[w + 4] === 0) this.#words[w + 4] = 1;
    return entry;
  }

  #remember(position: number, dictionary: string, key: string, entry: CachedResponse): void {
    if (entrySize(key, entry) <= this.#decoded.maxSize) this.#decoded.set(position, { dictionary, key, entry });
  }

  #live(slot: number): boolean {
    const expiresAt = this.#numbers[slot * 2 + 1]!;
    return expiresAt > this.#now() && this.#numbers[slot * 2]! >= this.#ring.tail();
  }

  /** Under the writer lock: the key's own slot, else a dead one of its window, else the window's oldest. */
  #slotFor(dictionary: string, key: string, dict: number, hash: number): number {
    const own = this.#slotOf(dictionary, key, dict, hash);
    if (own >= 0) return own;
    const home = hash & this.#mask;
    let oldest = -1;
    for (let j = 0; j < PROBE; j++) {
      const s = (home + j) & this.#mask;
      if (this.#numbers[s * 2 + 1] === 0 || !this.#live(s)) return s;
      if (oldest < 0 || this.#numbers[s * 2]! < this.#numbers[oldest * 2]!) oldest = s;
    }
    return oldest;
  }

  /** Under the writer lock (no slot changes meanwhile): the live slot of the key, or -1. */
  #slotOf(dictionary: string, key: string, dict: number, hash: number): number {
    const home = hash & this.#mask;
    for (let j = 0; j < PROBE; j++) {
      const slot = (home + j) & this.#mask;
      if (this.#numbers[slot * 2 + 1] === 0) return -1;
      const w = slot * WORDS;
      if (this.#words[w + 1] !== hash || this.#words[w + 2] !== dict || !this.#live(slot)) continue;
      if (recordHasKey(this.#arena, this.#numbers[slot * 2]! % this.#budget, dictionary, key)) return slot;
    }
    return -1;
  }

  /** A slot that no longer names a record (it stays used: it may lie on other keys' paths). */
  #kill(slot: number): void {
    const w = slot * WORDS;
    const from = lock(this.#words, w);
    this.#numbers[slot * 2 + 1] = -1;
    unlock(this.#words, w, from);
  }

  #killWhere(matches: (slot: number) => boolean): void {
    const from = lock(this.#control, 0);
    try {
      for (let slot = 0; slot <= this.#mask; slot++) if (this.#numbers[slot * 2 + 1] !== 0 && matches(slot)) this.#kill(slot);
    } finally {
      unlock(this.#control, 0, from);
    }
  }
}

/**
 * proxy-cache's memory strategy in a SharedArrayBuffer, so that the worker threads of a node (and the primary's
 * admin API) see one cache, as Kong's nginx workers share one shared dict. Two parts:
 *  - an arena of `budget` bytes written as a ring: each response is one record (its key, a JSON head, its body
 *    and request body) appended at the head; when the head comes round, the oldest records are overwritten
 *    (eviction is first in, first out). Positions are logical (they only grow), so a record is still there iff
 *    its position is not below `reclaimed`, which the writer moves on before it overwrites anything;
 *  - an index: open addressing over PROBE slots from the key's home; a slot has a lock word (a seqlock for
 *    readers), the key's hash, its dictionary's hash, the record's position and size, and its expiry.
 * Stores take one writer lock (they are misses, the rare path) and copy the response in; fetches take none:
 * they copy the record out, then check that it was neither overwritten nor replaced meanwhile.
 */
import { lock, readBegin, readValid, unlock } from '../../../shared-memory/locks.ts';
import { hashKey, powerOfTwo } from '../../../shared-memory/string-keys.ts';
import type { CachedResponse } from './store.ts';

const PROBE = 16;
const ALIGN = 8;
// Record head, Int32 words: [key units, head bytes, body bytes, request body bytes (-1: none)].
const RECORD_HEAD = 16;
// Index slot: Int32 [lock, hash, dictionary hash, record bytes]; Float64 [position, expires at (0: never used)].
const WORDS = 4;
// Control words: [writer lock]; BigInt64: [head, reclaimed].
const CONTROL = 32;

/** Plain, structured-cloneable data: the shared buffer, the arena's size and the index's slot count. */
export interface CacheTableHandle {
  readonly buffer: SharedArrayBuffer;
  readonly budget: number;
  readonly slots: number;
}

function layout(budget: number, slots: number) {
  const numbers = CONTROL;
  const words = numbers + slots * 2 * 8;
  const arena = words + slots * WORDS * 4;
  return { numbers, words, arena, bytes: arena + budget };
}

export function createCacheTable(budget: number): CacheTableHandle {
  if (!Number.isSafeInteger(budget) || budget < 1024) throw new RangeError(`shared proxy-cache: the budget must be at least 1024 bytes, got ${budget}`);
  const arena = Math.floor(budget / ALIGN) * ALIGN;
  // One slot per 2 KB of budget (at least 1024): smaller entries on average fill the index first, which then
  // evicts the oldest of a key's window.
  const slots = powerOfTwo(Math.max(1024, Math.ceil(arena / 2048)));
  return { buffer: new SharedArrayBuffer(layout(arena, slots).bytes), budget: arena, slots };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class SharedCacheStore {
  readonly #control: Int32Array;
  readonly #positions: BigInt64Array;
  readonly #numbers: Float64Array;
  readonly #words: Int32Array;
  readonly #arena: Buffer;
  readonly #budget: number;
  readonly #mask: number;
  readonly #now: () => number;

  constructor(handle: CacheTableHandle, now: () => number = Date.now) {
    const at = layout(handle.budget, handle.slots);
    if (handle.buffer.byteLength !== at.bytes) throw new RangeError('shared proxy-cache: the buffer does not match its sizes');
    this.#control = new Int32Array(handle.buffer, 0, 4);
    this.#positions = new BigInt64Array(handle.buffer, 16, 2);
    this.#numbers = new Float64Array(handle.buffer, at.numbers, handle.slots * 2);
    this.#words = new Int32Array(handle.buffer, at.words, handle.slots * WORDS);
    this.#arena = Buffer.from(handle.buffer, at.arena, handle.budget);
    this.#budget = handle.budget;
    this.#mask = handle.slots - 1;
    this.#now = now;
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
      if (expiresAt <= this.#now() || position < this.#reclaimed()) continue;
      let entry: CachedResponse | undefined;
      try {
        entry = this.#decode(position, size, dictionary, key);
      } catch {
        // A record overwritten while it was read can hold anything: the check below says it is gone.
      }
      // Overwritten while it was copied, or the slot given to another record: it is gone.
      if (position < this.#reclaimed() || !readValid(words, w, seq)) return undefined;
      if (entry) return entry;
    }
    return undefined;
  }

  /** Stores for `ttlSeconds` (0: until evicted). False when it cannot: a negative TTL, or a record larger than the arena. */
  store(dictionary: string, key: string, entry: CachedResponse, ttlSeconds: number): boolean {
    if (!(ttlSeconds >= 0)) return false;
    const head = encoder.encode(JSON.stringify({ s: entry.status, h: entry.headers, t: entry.timestamp, l: entry.ttl, v: entry.version }));
    const keyUnits = dictionary.length + 1 + key.length;
    const reqBody = entry.reqBody;
    const size = align(RECORD_HEAD + keyUnits * 2 + head.length + entry.body.length + (reqBody?.length ?? 0));
    if (size > this.#budget) return false;
    const dict = hashKey(dictionary);
    const hash = hashKey(key, dict);
    const expiresAt = ttlSeconds === 0 ? Number.POSITIVE_INFINITY : this.#now() + Math.round(ttlSeconds * 1000);
    const from = lock(this.#control, 0);
    try {
      const position = this.#allocate(size);
      const arena = this.#arena;
      let p = position % this.#budget;
      arena.writeInt32LE(keyUnits, p);
      arena.writeInt32LE(head.length, p + 4);
      arena.writeInt32LE(entry.body.length, p + 8);
      arena.writeInt32LE(reqBody ? reqBody.length : -1, p + 12);
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
      this.#index(dictionary, key, dict, hash, position, size, expiresAt);
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

  #reclaimed(): number {
    return Number(Atomics.load(this.#positions, 1));
  }

  #live(slot: number): boolean {
    const expiresAt = this.#numbers[slot * 2 + 1]!;
    return expiresAt > this.#now() && this.#numbers[slot * 2]! >= this.#reclaimed();
  }

  /** Under the writer lock: room for `size` bytes at the head; what it overwrites is reclaimed first. */
  #allocate(size: number): number {
    let head = Number(this.#positions[0]);
    const offset = head % this.#budget;
    // A record never wraps: the rest of the lap is skipped.
    if (offset + size > this.#budget) head += this.#budget - offset;
    const reclaimed = head + size - this.#budget;
    if (reclaimed > this.#reclaimed()) Atomics.store(this.#positions, 1, BigInt(reclaimed));
    Atomics.store(this.#positions, 0, BigInt(head + size));
    return head;
  }

  /** Under the writer lock: points the key's slot (its own, else a dead one, else the window's oldest) at the record. */
  #index(dictionary: string, key: string, dict: number, hash: number, position: number, size: number, expiresAt: number): void {
    const home = hash & this.#mask;
    let slot = this.#slotOf(dictionary, key, dict, hash);
    if (slot < 0) {
      let dead = -1;
      let oldest = -1;
      for (let j = 0; j < PROBE; j++) {
        const s = (home + j) & this.#mask;
        if (this.#numbers[s * 2 + 1] === 0 || !this.#live(s)) {
          dead = s;
          break;
        }
        if (oldest < 0 || this.#numbers[s * 2]! < this.#numbers[oldest * 2]!) oldest = s;
      }
      slot = dead >= 0 ? dead : oldest;
    }
    const w = slot * WORDS;
    const from = lock(this.#words, w);
    this.#words[w + 1] = hash;
    this.#words[w + 2] = dict;
    this.#words[w + 3] = size;
    this.#numbers[slot * 2] = position;
    this.#numbers[slot * 2 + 1] = expiresAt;
    unlock(this.#words, w, from);
  }

  /** Under the writer lock (no slot changes meanwhile): the live slot of the key, or -1. */
  #slotOf(dictionary: string, key: string, dict: number, hash: number): number {
    const home = hash & this.#mask;
    for (let j = 0; j < PROBE; j++) {
      const slot = (home + j) & this.#mask;
      if (this.#numbers[slot * 2 + 1] === 0) return -1;
      const w = slot * WORDS;
      if (this.#words[w + 1] !== hash || this.#words[w + 2] !== dict || !this.#live(slot)) continue;
      if (this.#keyAt(this.#numbers[slot * 2]! % this.#budget, dictionary, key)) return slot;
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

  #keyAt(p: number, dictionary: string, key: string): boolean {
    const arena = this.#arena;
    if (arena.readInt32LE(p) !== dictionary.length + 1 + key.length) return false;
    let at = p + RECORD_HEAD;
    for (let i = 0; i < dictionary.length; i++, at += 2) if (arena.readUInt16LE(at) !== dictionary.charCodeAt(i)) return false;
    if (arena.readUInt16LE(at) !== 0) return false;
    at += 2;
    for (let i = 0; i < key.length; i++, at += 2) if (arena.readUInt16LE(at) !== key.charCodeAt(i)) return false;
    return true;
  }

  /** The record at `position`, copied out; undefined when it is not the key's (or was torn by an overwrite). */
  #decode(position: number, size: number, dictionary: string, key: string): CachedResponse | undefined {
    const p = position % this.#budget;
    if (!this.#keyAt(p, dictionary, key)) return undefined;
    const arena = this.#arena;
    const keyUnits = arena.readInt32LE(p);
    const headBytes = arena.readInt32LE(p + 4);
    const bodyBytes = arena.readInt32LE(p + 8);
    const reqBytes = arena.readInt32LE(p + 12);
    let at = p + RECORD_HEAD + keyUnits * 2;
    if (headBytes < 0 || bodyBytes < 0 || align(at - p + headBytes + bodyBytes + Math.max(reqBytes, 0)) !== size) return undefined;
    let head: { s: number; h: CachedResponse['headers']; t: number; l: number; v: number };
    try {
      head = JSON.parse(decoder.decode(arena.subarray(at, at + headBytes))) as typeof head;
    } catch {
      return undefined;
    }
    at += headBytes;
    const body = Buffer.allocUnsafe(bodyBytes);
    arena.copy(body, 0, at, at + bodyBytes);
    at += bodyBytes;
    let reqBody: Buffer | undefined;
    if (reqBytes >= 0) {
      reqBody = Buffer.allocUnsafe(reqBytes);
      arena.copy(reqBody, 0, at, at + reqBytes);
    }
    return { status: head.s, headers: head.h, body, timestamp: head.t, ttl: head.l, version: head.v, reqBody };
  }
}

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/**
 * The rate limiting counters of a node in a SharedArrayBuffer, so that every worker thread counts into the same
 * windows (Kong's `kong_rate_limiting_counters` shared dict, shared by its nginx workers). A fixed-capacity
 * open-addressing table: a key hashes to a home slot and lives in one of the PROBE slots from there. Each slot
 * has a lock word (see shared-memory/locks.ts), the key's hash, length and code units, its value and its
 * expiry. An increment locks the one slot whose key matches, for the addition only; a read takes no lock.
 * Inserting a key takes the lock of its home slot's stripe as well, so that two threads adding the same key
 * make one slot.
 * A new key goes to an expired slot of its window, else a never used one, else it evicts the window's key that
 * expires first (a full shared dict evicts too, rather than fail). Slots never become unused again, so a
 * never used slot ends a key's search. Each slot's generation moves on when it is given to a key, so a thread
 * remembers where its keys live (the plugins pass the same key strings for a second, so the lookup is a map
 * hit on a hashed string) and checks only the generation, skipping the hash and the comparison.
 */
import { lock, readBegin, readValid, tookOver, unlock } from '../../shared-memory/locks.ts';
import { hashKey, keyEquals, powerOfTwo, writeKey } from '../../shared-memory/string-keys.ts';
import type { CounterStore } from './counter-store.ts';

const PROBE = 16;
/** Code units of a key kept in full (Kong's keys are ~110 units plus the identifier). */
const KEY_UNITS = 128;
const STRIPES = 1024;
// Per slot: in `words` [lock, hash, length, generation], in `numbers` [value, expiresAt (0: never used)].
const WORDS = 4;
/** A hint is slot × GENERATIONS + generation (both fit a double's 53 bits). */
const GENERATIONS = 0x10000000;
/** Hints a thread keeps before it starts over (a client flood must not grow them). */
const HINTS = 16_384;

/** The plain data a thread needs to use the table (structured-cloneable: the buffer is shared, not copied). */
export interface CounterTableHandle {
  readonly buffer: SharedArrayBuffer;
  readonly slots: number;
}

export function createCounterTable(maxKeys: number): CounterTableHandle {
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) throw new RangeError(`shared counters: maxKeys must be a positive integer, got ${maxKeys}`);
  const slots = Math.max(PROBE, powerOfTwo(maxKeys));
  return { buffer: new SharedArrayBuffer(layout(slots).bytes), slots };
}

function layout(slots: number) {
  const numbers = 0;
  const words = numbers + slots * 2 * 8;
  const stripes = words + slots * WORDS * 4;
  const keys = stripes + STRIPES * 4;
  return { numbers, words, stripes, keys, bytes: keys + slots * KEY_UNITS * 2 };
}

export class SharedCounterStore implements CounterStore {
  readonly #numbers: Float64Array;
  readonly #words: Int32Array;
  readonly #stripes: Int32Array;
  readonly #keys: Uint16Array;
  readonly #mask: number;
  readonly #now: () => number;
  readonly #hints = new Map<string, number>();

  constructor(handle: CounterTableHandle, now: () => number = Date.now) {
    const at = layout(handle.slots);
    if (handle.buffer.byteLength !== at.bytes) throw new RangeError('shared counters: the buffer does not match its slot count');
    this.#numbers = new Float64Array(handle.buffer, at.numbers, handle.slots * 2);
    this.#words = new Int32Array(handle.buffer, at.words, handle.slots * WORDS);
    this.#stripes = new Int32Array(handle.buffer, at.stripes, STRIPES);
    this.#keys = new Uint16Array(handle.buffer, at.keys, handle.slots * KEY_UNITS);
    this.#mask = handle.slots - 1;
    this.#now = now;
  }

  increment(key: string, delta: number, ttlMs: number): number {
    const now = this.#now();
    const hint = this.#hints.get(key);
    if (hint !== undefined) {
      const value = this.#addAt(hint, delta, now);
      if (value !== undefined) return value;
      this.#hints.delete(key);
    }
    const hash = hashKey(key);
    const home = hash & this.#mask;
    for (let j = 0; j < PROBE; j++) {
      const slot = (home + j) & this.#mask;
      if (this.#numbers[slot * 2 + 1] === 0) break;
      if (this.#words[slot * WORDS + 1] !== hash) continue;
      const value = this.#add(slot, key, hash, delta, now);
      if (value !== undefined) return value;
    }
    return this.#insert(key, hash, home, delta, now, ttlMs);
  }

  /** Adds where the hint says, if that slot is still the key's (same generation) and live. */
  #addAt(hint: number, delta: number, now: number): number | undefined {
    const slot = Math.floor(hint / GENERATIONS);
    const generation = hint - slot * GENERATIONS;
    const words = this.#words;
    const numbers = this.#numbers;
    const w = slot * WORDS;
    for (;;) {
      const seq = readBegin(words, w);
      if ((words[w + 3]! & (GENERATIONS - 1)) !== generation || !(numbers[slot * 2 + 1]! > now)) return undefined;
      if (Atomics.compareExchange(words, w, seq, (seq + 1) | 0) !== seq) continue;
      const value = (numbers[slot * 2] = numbers[slot * 2]! + delta);
      unlock(words, w, seq);
      return value;
    }
  }

  #hint(key: string, slot: number, generation: number): void {
    if (this.#hints.size >= HINTS) this.#hints.clear();
    this.#hints.set(key, slot * GENERATIONS + (generation & (GENERATIONS - 1)));
  }

  /**
   * Adds to the slot if it holds the key, live. The key is compared without the lock; the lock is then taken
   * from the very sequence value seen before the comparison, so it succeeds only if nothing changed since.
   * The hold is one addition.
   */
  #add(slot: number, key: string, hash: number, delta: number, now: number): number | undefined {
    const words = this.#words;
    const numbers = this.#numbers;
    const w = slot * WORDS;
    for (;;) {
      const seq = readBegin(words, w);
      if (tookOver()) {
        const from = lock(words, w);
        this.#repair(slot);
        unlock(words, w, from);
        continue;
      }
      const mine = this.#holds(slot, key, hash) && numbers[slot * 2 + 1]! > now;
      if (!mine) {
        if (readValid(words, w, seq)) return undefined;
        continue;
      }
      if (Atomics.compareExchange(words, w, seq, (seq + 1) | 0) !== seq) continue;
      const value = (numbers[slot * 2] = numbers[slot * 2]! + delta);
      const generation = words[w + 3]!;
      unlock(words, w, seq);
      this.#hint(key, slot, generation);
      return value;
    }
  }

  get(key: string): number {
    const now = this.#now();
    const hint = this.#hints.get(key);
    if (hint !== undefined) {
      const value = this.#readAt(hint, now);
      if (value !== undefined) return value;
      this.#hints.delete(key);
    }
    const hash = hashKey(key);
    const home = hash & this.#mask;
    const words = this.#words;
    const numbers = this.#numbers;
    for (let j = 0; j < PROBE; j++) {
      const slot = (home + j) & this.#mask;
      for (;;) {
        const seq = readBegin(words, slot * WORDS);
        const expiresAt = numbers[slot * 2 + 1]!;
        if (expiresAt === 0) return 0;
        const found = words[slot * WORDS + 1] === hash && this.#holds(slot, key, hash);
        const value = numbers[slot * 2]!;
        const generation = words[slot * WORDS + 3]!;
        if (!readValid(words, slot * WORDS, seq)) continue;
        if (found && expiresAt > now) this.#hint(key, slot, generation);
        if (found) return expiresAt > now ? value : 0;
        break;
      }
    }
    return 0;
  }

  /** The value where the hint says, if that slot is still the key's and live (read consistently). */
  #readAt(hint: number, now: number): number | undefined {
    const slot = Math.floor(hint / GENERATIONS);
    const generation = hint - slot * GENERATIONS;
    const words = this.#words;
    const w = slot * WORDS;
    for (;;) {
      const seq = readBegin(words, w);
      const mine = (words[w + 3]! & (GENERATIONS - 1)) === generation && this.#numbers[slot * 2 + 1]! > now;
      const value = this.#numbers[slot * 2]!;
      if (!readValid(words, w, seq)) continue;
      return mine ? value : undefined;
    }
  }

  /** Keys held and not expired (tests and diagnostics; a scan of the whole table). */
  liveKeys(): number {
    const now = this.#now();
    let n = 0;
    for (let slot = 0; slot <= this.#mask; slot++) if (this.#numbers[slot * 2 + 1]! > now) n++;
    return n;
  }

  #holds(slot: number, key: string, hash: number): boolean {
    const w = slot * WORDS;
    return this.#words[w + 1] === hash && this.#words[w + 2] === key.length && keyEquals(this.#keys, slot * KEY_UNITS, KEY_UNITS, key);
  }

  /** A slot whose writer died mid-write: its key may be torn, so it holds nothing any more. */
  #repair(slot: number): void {
    if (this.#numbers[slot * 2 + 1] !== 0) this.#numbers[slot * 2 + 1] = 1;
    this.#words[slot * WORDS + 3] = (this.#words[slot * WORDS + 3]! + 1) | 0;
  }

  #insert(key: string, hash: number, home: number, delta: number, now: number, ttlMs: number): number {
    const stripe = home & (STRIPES - 1);
    const stripeFrom = lock(this.#stripes, stripe);
    try {
      for (;;) {
        const result = this.#insertOnce(key, hash, home, delta, now, ttlMs);
        if (result !== undefined) return result;
      }
    } finally {
      unlock(this.#stripes, stripe, stripeFrom);
    }
  }

  /** Under the stripe's lock: counts into the key if another thread added it meanwhile, else claims a slot. */
  #insertOnce(key: string, hash: number, home: number, delta: number, now: number, ttlMs: number): number | undefined {
    const words = this.#words;
    const numbers = this.#numbers;
    let expired = -1;
    let unused = -1;
    let oldest = -1;
    for (let j = 0; j < PROBE; j++) {
      const slot = (home + j) & this.#mask;
      const expiresAt = numbers[slot * 2 + 1]!;
      if (expiresAt === 0) {
        unused = slot;
        break;
      }
      if (words[slot * WORDS + 1] === hash) {
        const value = this.#add(slot, key, hash, delta, now);
        if (value !== undefined) return value;
      }
      if (expiresAt <= now) {
        if (expired < 0) expired = slot;
      } else if (oldest < 0 || expiresAt < numbers[oldest * 2 + 1]!) oldest = slot;
    }
    const slot = expired >= 0 ? expired : unused >= 0 ? unused : oldest;
    const from = lock(words, slot * WORDS);
    // Another key's insert (another stripe) may have claimed that slot since it was looked at.
    const expiresAt = numbers[slot * 2 + 1]!;
    if ((slot === expired && expiresAt > now) || (slot === unused && expiresAt !== 0)) {
      unlock(words, slot * WORDS, from);
      return undefined;
    }
    words[slot * WORDS + 1] = hash;
    words[slot * WORDS + 2] = key.length;
    const generation = (words[slot * WORDS + 3] = (words[slot * WORDS + 3]! + 1) | 0);
    writeKey(this.#keys, slot * KEY_UNITS, KEY_UNITS, key);
    numbers[slot * 2] = delta;
    // A TTL that rounds to nothing still leaves a moment: 0 marks a never used slot.
    numbers[slot * 2 + 1] = Math.max(now + ttlMs, 1);
    unlock(words, slot * WORDS, from);
    this.#hint(key, slot, generation);
    return delta;
  }
}

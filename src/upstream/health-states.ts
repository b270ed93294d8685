/**
 * Where target health lives: per process (a map), or in a SharedArrayBuffer that every worker thread of a node
 * reads and writes (Kong keeps its health checkers' state in a shared dict, so a target one nginx worker marks
 * unhealthy is unhealthy for all). States are keyed by upstream name and target, so they outlive configs.
 */
import { lock, readBegin, readValid, tookOver, unlock } from '../shared-memory/locks.ts';
import { hashKey, keyEquals, powerOfTwo, writeKey } from '../shared-memory/string-keys.ts';

export interface TargetHealth {
  healthy: boolean;
  successes: number;
  httpFailures: number;
  tcpFailures: number;
  timeouts: number;
}

export interface HealthStates {
  /** A target never reported is healthy. */
  isHealthy(key: string): boolean;
  /** Healthy and no failure counted: a success (or a status neither list names) changes nothing that matters. */
  isQuiet(key: string): boolean;
  /** Runs `change` on the key's state, alone (no other thread changes it meanwhile), and keeps what it left. */
  change<T>(key: string, change: (h: TargetHealth) => T): T;
}

const fresh = (): TargetHealth => ({ healthy: true, successes: 0, httpFailures: 0, tcpFailures: 0, timeouts: 0 });

export class LocalHealthStates implements HealthStates {
  readonly #targets = new Map<string, TargetHealth>();

  isHealthy(key: string): boolean {
    return this.#targets.get(key)?.healthy ?? true;
  }

  isQuiet(key: string): boolean {
    const h = this.#targets.get(key);
    return h === undefined || (h.healthy && h.httpFailures === 0 && h.tcpFailures === 0 && h.timeouts === 0);
  }

  change<T>(key: string, change: (h: TargetHealth) => T): T {
    let h = this.#targets.get(key);
    if (!h) this.#targets.set(key, (h = fresh()));
    return change(h);
  }
}

const PROBE = 16;
const KEY_UNITS = 128;
const STRIPES = 256;
// Per slot: [lock, hash, key length + 1 (0: never used), unhealthy, successes, http failures, tcp failures, timeouts].
const WORDS = 8;
const UNHEALTHY = 1;
const FAILING = 2;

/** Plain, structured-cloneable data: the shared buffer and its slot count. */
export interface HealthTableHandle {
  readonly buffer: SharedArrayBuffer;
  readonly slots: number;
}

const bytesOf = (slots: number) => (slots * WORDS + STRIPES) * 4 + slots * KEY_UNITS * 2;

export function createHealthTable(maxTargets: number): HealthTableHandle {
  if (!Number.isSafeInteger(maxTargets) || maxTargets < 1) throw new RangeError(`shared health: maxTargets must be a positive integer, got ${maxTargets}`);
  const slots = Math.max(PROBE, powerOfTwo(maxTargets));
  return { buffer: new SharedArrayBuffer(bytesOf(slots)), slots };
}

/**
 * The shared table: open addressing over PROBE slots from a key's home, a lock word per slot (a seqlock for
 * readers), and a stripe lock so that two threads adding one target make one slot. A full window gives up the
 * slot of a quiet healthy target (it holds nothing a fresh state would not), never an unhealthy one; when
 * every slot of the window is busy, the report is not kept (the target stays as it is).
 */
export class SharedHealthStates implements HealthStates {
  readonly #words: Int32Array;
  readonly #stripes: Int32Array;
  readonly #keys: Uint16Array;
  readonly #mask: number;
  readonly #scratch = fresh();

  constructor(handle: HealthTableHandle) {
    if (handle.buffer.byteLength !== bytesOf(handle.slots)) throw new RangeError('shared health: the buffer does not match its slot count');
    this.#words = new Int32Array(handle.buffer, 0, handle.slots * WORDS);
    this.#stripes = new Int32Array(handle.buffer, handle.slots * WORDS * 4, STRIPES);
    this.#keys = new Uint16Array(handle.buffer, (handle.slots * WORDS + STRIPES) * 4, handle.slots * KEY_UNITS);
    this.#mask = handle.slots - 1;
  }

  isHealthy(key: string): boolean {
    const flags = this.#read(key);
    return flags < 0 || (flags & UNHEALTHY) === 0;
  }

  isQuiet(key: string): boolean {
    return this.#read(key) <= 0;
  }

  change<T>(key: string, change: (h: TargetHealth) => T): T {
    const hash = hashKey(key);
    let slot = this.#find(key, hash);
    if (slot < 0) slot = this.#insert(key, hash);
    if (slot < 0) return change(fresh());
    const words = this.#words;
    const w = slot * WORDS;
    const from = lock(words, w);
    if (tookOver()) this.#repair(w);
    // The slot was given to another target meanwhile: look again.
    if (!this.#holds(slot, key, hash)) {
      unlock(words, w, from);
      return this.change(key, change);
    }
    const h = this.#scratch;
    h.healthy = words[w + 3] === 0;
    h.successes = words[w + 4]!;
    h.httpFailures = words[w + 5]!;
    h.tcpFailures = words[w + 6]!;
    h.timeouts = words[w + 7]!;
    try {
      return change(h);
    } finally {
      words[w + 3] = h.healthy ? 0 : 1;
      words[w + 4] = h.successes;
      words[w + 5] = h.httpFailures;
      words[w + 6] = h.tcpFailures;
      words[w + 7] = h.timeouts;
      unlock(words, w, from);
    }
  }

  /** A slot whose writer died mid-write: it keeps no key (matches none) and no verdict, and can be given away. */
  #repair(w: number): void {
    this.#words[w + 2] = -1;
    this.#words[w + 3] = this.#words[w + 4] = this.#words[w + 5] = this.#words[w + 6] = this.#words[w + 7] = 0;
  }

  #holds(slot: number, key: string, hash: number): boolean {
    const w = slot * WORDS;
    return this.#words[w + 1] === hash && this.#words[w + 2] === key.length + 1 && keyEquals(this.#keys, slot * KEY_UNITS, KEY_UNITS, key);
  }

  /** The key's slot, or -1 when it has none. */
  #find(key: string, hash: number): number {
    const home = hash & this.#mask;
    for (let j = 0; j < PROBE; j++) {
      const slot = (home + j) & this.#mask;
      const w = slot * WORDS;
      for (;;) {
        const seq = readBegin(this.#words, w);
        const length = this.#words[w + 2];
        const found = length !== 0 && this.#holds(slot, key, hash);
        if (!readValid(this.#words, w, seq)) continue;
        if (length === 0) return -1;
        if (found) return slot;
        break;
      }
    }
    return -1;
  }

  /** The key's state, read consistently: -1 when it has none, else its UNHEALTHY and FAILING flags (0: quiet). */
  #read(key: string): number {
    const hash = hashKey(key);
    const home = hash & this.#mask;
    const words = this.#words;
    for (let j = 0; j < PROBE; j++) {
      const slot = (home + j) & this.#mask;
      const w = slot * WORDS;
      for (;;) {
        const seq = readBegin(words, w);
        const length = words[w + 2];
        const found = length !== 0 && this.#holds(slot, key, hash);
        const flags = (words[w + 3] === 0 ? 0 : UNHEALTHY) | (words[w + 5] === 0 && words[w + 6] === 0 && words[w + 7] === 0 ? 0 : FAILING);
        if (!readValid(words, w, seq)) continue;
        if (length === 0) return -1;
        if (found) return flags;
        break;
      }
    }
    return -1;
  }

  #quiet(w: number): boolean {
    const words = this.#words;
    return words[w + 3] === 0 && words[w + 5] === 0 && words[w + 6] === 0 && words[w + 7] === 0;
  }

  /** Under the stripe's lock: the key's slot if another thread added it meanwhile, else a claimed one (-1: none free). */
  #insert(key: string, hash: number): number {
    const home = hash & this.#mask;
    const stripe = home & (STRIPES - 1);
    const stripeFrom = lock(this.#stripes, stripe);
    try {
      for (;;) {
        const found = this.#find(key, hash);
        if (found >= 0) return found;
        let quiet = -1;
        let unused = -1;
        for (let j = 0; j < PROBE && unused < 0; j++) {
          const slot = (home + j) & this.#mask;
          if (this.#words[slot * WORDS + 2] === 0) unused = slot;
          else if (quiet < 0 && this.#quiet(slot * WORDS)) quiet = slot;
        }
        const slot = unused >= 0 ? unused : quiet;
        if (slot < 0) return -1;
        const words = this.#words;
        const w = slot * WORDS;
        const from = lock(words, w);
        if (tookOver()) this.#repair(w);
        // Claimed, or made busy, by another thread since it was looked at: look again.
        if (slot === unused ? words[w + 2] !== 0 : !this.#quiet(w)) {
          unlock(words, w, from);
          continue;
        }
        words[w + 1] = hash;
        words[w + 2] = key.length + 1;
        writeKey(this.#keys, slot * KEY_UNITS, KEY_UNITS, key);
        words[w + 3] = words[w + 4] = words[w + 5] = words[w + 6] = words[w + 7] = 0;
        unlock(words, w, from);
        return slot;
      }
    } finally {
      unlock(this.#stripes, stripe, stripeFrom);
    }
  }
}

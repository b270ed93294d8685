/**
 * The arena of the shared proxy-cache (shared-store.ts): `budget` bytes written as a ring of records. Positions
 * are logical (they only grow, and are never reused); a record is at `position % budget` and never wraps round
 * the end (the rest of a lap is skipped, with a gap mark). The writer (one at a time, under the store's lock)
 * appends at `head` and makes room by moving `tail` past the oldest records, publishing `tail` before it
 * overwrites anything: a reader that copied a record out checks that its position is still not below `tail`.
 * Second chance (CLOCK): an old record that was read since it was written, and still is its key's entry, is
 * moved to the head instead of dropped, once, a few per allocation, so that entries in use outlive the ones
 * nobody reads (an LRU's intent, without the list).
 */

const ALIGN = 8;
/**
 * Record head, Int32 words: [key units (GAP: the rest of the lap is empty), head bytes, body bytes, request body
 * bytes (-1: none), index slot, 0].
 */
export const RECORD_HEAD = 24;
const GAP = -1;
/** Old records given a second chance per allocation (bounds a store's work). */
const CHANCES = 4;

export const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/** What the ring asks the index about the record at the tail. */
export interface RingIndex {
  /** Whether `slot` still names the record at `position` and it was read since it was written (the mark is cleared). */
  takeChance(slot: number, position: number): boolean;
  /** The record that `slot` names moved from `from` to `to`. */
  moved(slot: number, from: number, to: number): void;
}

export class CacheRing {
  readonly #positions: BigInt64Array;
  readonly #arena: Buffer;
  readonly #budget: number;

  /** `positions`: two shared words, [head, tail]. */
  constructor(positions: BigInt64Array, arena: Buffer) {
    this.#positions = positions;
    this.#arena = arena;
    this.#budget = arena.length;
  }

  /** Drops every record (a writer died while it held the lock: what it was writing cannot be trusted). */
  clear(): void {
    Atomics.store(this.#positions, 1, this.#positions[0]!);
  }

  /** Records below this position are gone (readers check it after copying one out). */
  tail(): number {
    return Number(Atomics.load(this.#positions, 1));
  }

  /** Under the writer lock: the position of `size` free bytes at the head (size ≤ budget, aligned). */
  allocate(size: number, index: RingIndex): number {
    const arena = this.#arena;
    let chances = CHANCES;
    for (;;) {
      const head = Number(this.#positions[0]);
      const offset = head % this.#budget;
      if (offset + size > this.#budget) {
        // The rest of the lap cannot hold it: that much becomes a gap, once there is room for it.
        const gap = this.#budget - offset;
        // No second chances here: a record moved to the head would land where the gap mark goes.
        this.#reserve(gap, index, 0);
        arena.writeInt32LE(GAP, offset);
        Atomics.store(this.#positions, 0, BigInt(head + gap));
        continue;
      }
      chances = this.#reserve(size, index, chances);
      if (Number(this.#positions[0]) !== head) continue;
      Atomics.store(this.#positions, 0, BigInt(head + size));
      return head;
    }
  }

  /** Moves the tail until `size` bytes are free at the head; a record moved to the head moves the head too. */
  #reserve(size: number, index: RingIndex, chances: number): number {
    let left = chances;
    for (;;) {
      const head = Number(this.#positions[0]);
      const tail = this.tail();
      if (head + size - tail <= this.#budget) return left;
      const p = tail % this.#budget;
      const arena = this.#arena;
      const units = arena.readInt32LE(p);
      if (units === GAP) {
        Atomics.store(this.#positions, 1, BigInt(tail + this.#budget - p));
        continue;
      }
      const bytes = recordBytes(arena, p);
      // Not a record (a writer died before writing its head): the rest of the lap goes.
      if (!(bytes >= RECORD_HEAD && p + bytes <= this.#budget)) {
        Atomics.store(this.#positions, 1, BigInt(tail + this.#budget - p));
        continue;
      }
      const slot = arena.readInt32LE(p + 16);
      Atomics.store(this.#positions, 1, BigInt(tail + bytes));
      const to = head % this.#budget;
      // A second chance only where the record fits before the lap's end (no gap to make).
      if (left > 0 && to + bytes <= this.#budget && index.takeChance(slot, tail)) {
        left--;
        // The free bytes and the record's own are where it goes: copyWithin minds the overlap.
        arena.copyWithin(to, p, p + bytes);
        Atomics.store(this.#positions, 0, BigInt(head + bytes));
        index.moved(slot, tail, head);
      }
    }
  }
}

/** The bytes a record takes, from its head. */
export function recordBytes(arena: Buffer, p: number): number {
  const request = arena.readInt32LE(p + 12);
  return align(RECORD_HEAD + arena.readInt32LE(p) * 2 + arena.readInt32LE(p + 4) + arena.readInt32LE(p + 8) + Math.max(request, 0));
}

/**
 * String keys kept in a SharedArrayBuffer: a 32-bit hash (FNV-1a style, over UTF-16 code units, no encoding) and
 * the key's code units in a fixed-size cell. A key longer than its cell keeps its first units and a second,
 * differently seeded hash of the whole key in the cell's last two units, so two long keys are told apart by
 * their length, their prefix and 64 bits of hash.
 */

// Two lanes (even and odd units) that do not wait on each other: twice the speed of one FNV chain.
export function hashKey(key: string, seed = 0x811c9dc5): number {
  let a = seed;
  let b = 0x01000193 ^ key.length;
  const last = key.length - 1;
  let i = 0;
  for (; i < last; i += 2) {
    a = Math.imul(a ^ key.charCodeAt(i), 0x01000193);
    b = Math.imul(b ^ key.charCodeAt(i + 1), 0x5bd1e995);
  }
  if (i === last) a = Math.imul(a ^ key.charCodeAt(i), 0x01000193);
  return (a ^ Math.imul(b ^ (b >>> 15), 0x27d4eb2d)) | 0;
}

const SECOND_SEED = 0x5bd1e995;

/** Writes `key` into the cell of `units` code units at `at`. */
export function writeKey(cells: Uint16Array, at: number, units: number, key: string): void {
  if (key.length <= units) {
    for (let i = 0; i < key.length; i++) cells[at + i] = key.charCodeAt(i);
    return;
  }
  const keep = units - 2;
  for (let i = 0; i < keep; i++) cells[at + i] = key.charCodeAt(i);
  const h = hashKey(key, SECOND_SEED);
  cells[at + keep] = h & 0xffff;
  cells[at + keep + 1] = h >>> 16;
}

/** Whether the cell at `at` holds `key` (its stored length compared by the caller). */
export function keyEquals(cells: Uint16Array, at: number, units: number, key: string): boolean {
  if (key.length <= units) {
    for (let i = 0; i < key.length; i++) if (cells[at + i] !== key.charCodeAt(i)) return false;
    return true;
  }
  const keep = units - 2;
  for (let i = 0; i < keep; i++) if (cells[at + i] !== key.charCodeAt(i)) return false;
  const h = hashKey(key, SECOND_SEED);
  return cells[at + keep] === (h & 0xffff) && cells[at + keep + 1] === h >>> 16;
}

/** The key a cell holds (up to its length; a long key's prefix). */
export function readKey(cells: Uint16Array, at: number, units: number, length: number): string {
  return String.fromCharCode(...cells.subarray(at, at + Math.min(length, units)));
}

/** The smallest power of two ≥ n (table sizes, so that a hash masks to a slot). */
export function powerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

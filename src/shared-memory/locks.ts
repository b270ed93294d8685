/**
 * Locks in a SharedArrayBuffer, for state the worker threads of one node share. A lock is one Int32 word: even
 * while free, odd while held; every unlock moves it on by 2, so the word doubles as a sequence readers check
 * (a seqlock: read the word, read the data, read the word again; the same even value means nothing changed).
 * Holds are a few dozen instructions and never wait for anything, so a waiter spins, then sleeps in short
 * futex waits. A holder that never lets go (a thread terminated inside those few instructions) is assumed dead
 * once the word has not moved for STEAL_AFTER_MS: the waiter takes the lock over, and `tookOver()` tells it to
 * repair what the lock guards.
 */

const SPINS = 64;
const SLEEP_MS = 0.05;
const STEAL_AFTER_MS = 1000;

let stolen = false;

/** Takes the lock at `words[index]`; returns the free value it held, to pass to `unlock`. */
export function lock(words: Int32Array, index: number): number {
  stolen = false;
  for (let i = 0; i < SPINS; i++) {
    const s = Atomics.load(words, index);
    if ((s & 1) === 0 && Atomics.compareExchange(words, index, s, (s + 1) | 0) === s) return s;
  }
  return slowLock(words, index);
}

/** Whether the last `lock` or `readBegin` of this thread took over a dead holder's lock. */
export function tookOver(): boolean {
  return stolen;
}

function slowLock(words: Int32Array, index: number): number {
  let seen = Atomics.load(words, index);
  let since = Date.now();
  for (;;) {
    const s = Atomics.load(words, index);
    if ((s & 1) === 0) {
      if (Atomics.compareExchange(words, index, s, (s + 1) | 0) === s) return s;
      continue;
    }
    const now = Date.now();
    // A word that moves on has live holders: only one held unchanged that long is taken over.
    if (s !== seen) {
      seen = s;
      since = now;
    } else if (now - since > STEAL_AFTER_MS && Atomics.compareExchange(words, index, s, (s + 2) | 0) === s) {
      stolen = true;
      return (s + 1) | 0;
    }
    Atomics.wait(words, index, s, SLEEP_MS);
  }
}

export function unlock(words: Int32Array, index: number, from: number): void {
  Atomics.store(words, index, (from + 2) | 0);
}

/** A seqlock reader's first look: the word once it is even (no writer inside). */
export function readBegin(words: Int32Array, index: number): number {
  stolen = false;
  for (let i = 0; i < SPINS; i++) {
    const s = Atomics.load(words, index);
    if ((s & 1) === 0) return s;
  }
  // Waited long: take the lock (over, if its holder died) and give it straight back.
  const from = slowLock(words, index);
  unlock(words, index, from);
  return (from + 2) | 0;
}

/** Whether what was read since `readBegin` returned `seq` is consistent. */
export function readValid(words: Int32Array, index: number, seq: number): boolean {
  return Atomics.load(words, index) === seq;
}

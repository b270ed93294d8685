/** The one mutable reference of the gateway: the current snapshot. Requests read it once, on arrival. */
import type { Snapshot } from '../snapshot/snapshot.ts';

export class SnapshotStore {
  #current: Snapshot;

  constructor(initial: Snapshot) {
    this.#current = initial;
  }

  current(): Snapshot {
    return this.#current;
  }

  swap(next: Snapshot): Snapshot {
    const previous = this.#current;
    this.#current = next;
    return previous;
  }
}

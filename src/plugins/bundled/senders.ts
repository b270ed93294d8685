/**
 * A logging plugin's open destinations (sockets, files) by key, kept while an active config names them: the
 * others close, and all of them once no config is served. A request of an older config may still log to one
 * the current config dropped: it is opened for that, and closes once idle.
 */

export interface Closable {
  /** False when no active config needs it: it closes once idle. */
  retained: boolean;
  /** Closes it now. */
  close(): void;
}

export class Senders<S extends Closable> {
  readonly #senders = new Map<string, S>();
  readonly #create: (key: string, onClosed: (sender: S) => void) => S;
  #active = new Set<string>();

  constructor(create: (key: string, onClosed: (sender: S) => void) => S) {
    this.#create = create;
  }

  get(key: string): S {
    let sender = this.#senders.get(key);
    if (!sender) {
      sender = this.#create(key, (closed) => {
        if (this.#senders.get(key) === closed) this.#senders.delete(key);
      });
      sender.retained = this.#active.has(key);
      this.#senders.set(key, sender);
    }
    return sender;
  }

  /** The keys the active configs name: the others close now. */
  retainOnly(keys: Iterable<string>): void {
    this.#active = new Set(keys);
    for (const [key, sender] of [...this.#senders]) {
      if (this.#active.has(key)) sender.retained = true;
      else sender.close();
    }
  }

  values(): IterableIterator<S> {
    return this.#senders.values();
  }

  get size(): number {
    return this.#senders.size;
  }
}

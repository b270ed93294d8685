/**
 * One log file, shared by every file-log config naming its path (Kong keeps one fd per path). Lines wait in a
 * bounded queue and are appended by one asynchronous write at a time, so a slow or failing disk costs a request
 * nothing: past the bound lines are dropped and counted. Kong's reopen rule per write: a line whose config has
 * `reopen` closes the file first and opens the path anew (log rotation); otherwise the open fd is kept, even when
 * the file was removed or renamed.
 */
import { close, constants, open, write } from 'node:fs';
import { MAX_QUEUED_CHARS, MAX_QUEUED_RECORDS, reportDrop, type WarnLog } from '../log-sink.ts';

const PLUGIN = 'file-log';
/**
 * Kong's open(2): O_WRONLY | O_CREAT | O_APPEND, mode 0644 (before the umask); and O_NONBLOCK, which changes
 * nothing for a file but keeps a FIFO without a reader from holding one of libuv's few threads in open(2).
 */
const FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NONBLOCK;
const MODE = 0o644;
/** A pipe that is full (EAGAIN): the write is tried again this much later. */
const RETRY_MS = 10;
/** One write(2) takes at most this many characters of queued lines. */
const MAX_BATCH_CHARS = 1024 * 1024;

interface Line {
  readonly text: string;
  readonly reopen: boolean;
}

export class FileSink {
  readonly path: string;
  /** False once no active config names the path: the file is closed when the queue is empty. */
  retained = true;
  #fd: number | undefined;
  #queue: Line[] = [];
  #chars = 0;
  #busy = false;
  #scheduled = false;
  #closed = false;
  #log: WarnLog | undefined;
  #idle: (() => void)[] = [];
  readonly #onClosed: (sink: FileSink) => void;

  constructor(path: string, onClosed: (sink: FileSink) => void) {
    this.path = path;
    this.#onClosed = onClosed;
  }

  /** Queues one line (its newline included); counts it dropped when the queue is full. */
  append(text: string, reopen: boolean, log: WarnLog): void {
    this.#log = log;
    if (this.#closed) return reportDrop(PLUGIN, 'closed', 1, log, `file-log: ${this.path} is closed`);
    if (this.#queue.length >= MAX_QUEUED_RECORDS || this.#chars + text.length > MAX_QUEUED_CHARS) {
      return reportDrop(PLUGIN, 'queue_full', 1, log, `file-log: the queue of ${this.path} is full (the disk is slower than the requests)`);
    }
    this.#queue.push({ text, reopen });
    this.#chars += text.length;
    this.#schedule();
  }

  /** The lines of one event-loop turn go in one write. */
  #schedule(): void {
    if (this.#busy || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  /** Resolves once every queued line was written (or dropped). */
  drained(): Promise<void> {
    if (!this.#busy && !this.#scheduled && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** No config needs the file any more: close it once the queue is written. */
  release(): void {
    this.retained = false;
    this.#schedule();
  }

  #pump(): void {
    if (this.#busy || this.#scheduled) return;
    if (this.#queue.length === 0) {
      for (const resolve of this.#idle.splice(0)) resolve();
      if (!this.retained && !this.#closed) this.#close();
      return;
    }
    this.#busy = true;
    const batch = this.#take();
    const reopen = batch[0]!.reopen;
    const done = () => {
      this.#busy = false;
      this.#pump();
    };
    const writeBatch = (fd: number) => this.#write(fd, Buffer.from(batch.map((l) => l.text).join(''), 'utf8'), 0, batch.length, done);
    const openThenWrite = () => {
      open(this.path, FLAGS, MODE, (err, fd) => {
        if (err) {
          reportDrop(PLUGIN, 'open_failed', batch.length, this.#log, 'failed to open the file', err);
          return done();
        }
        this.#fd = fd;
        writeBatch(fd);
      });
    };
    const fd = this.#fd;
    if (fd !== undefined && !reopen) return writeBatch(fd);
    if (fd === undefined) return openThenWrite();
    // Kong closes the cached fd before a reopen line, whichever config opened it.
    this.#fd = undefined;
    close(fd, () => openThenWrite());
  }

  /** Consecutive lines with the same reopen rule, up to a batch's size. */
  #take(): Line[] {
    const reopen = this.#queue[0]!.reopen;
    let n = 0;
    let chars = 0;
    while (n < this.#queue.length && this.#queue[n]!.reopen === reopen && (n === 0 || chars + this.#queue[n]!.text.length <= MAX_BATCH_CHARS)) {
      chars += this.#queue[n]!.text.length;
      n++;
    }
    this.#chars -= chars;
    return this.#queue.splice(0, n);
  }

  #write(fd: number, buf: Buffer, offset: number, lines: number, done: () => void): void {
    write(fd, buf, offset, buf.length - offset, null, (err, written) => {
      if (err?.code === 'EAGAIN' && this.#fd === fd) {
        setTimeout(() => this.#write(fd, buf, offset, lines, done), RETRY_MS).unref();
        return;
      }
      if (err) {
        reportDrop(PLUGIN, 'write_failed', lines, this.#log, `failed to write to ${this.path}`, err);
        // The next line opens the path again rather than keep an fd that fails.
        if (this.#fd === fd) {
          this.#fd = undefined;
          close(fd, () => undefined);
        }
        return done();
      }
      if (offset + written < buf.length) return this.#write(fd, buf, offset + written, lines, done);
      done();
    });
  }

  #close(): void {
    this.#closed = true;
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) close(fd, () => undefined);
    this.#onClosed(this);
  }
}

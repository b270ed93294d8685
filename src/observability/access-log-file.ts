/**
 * Where the access log's lines go: a file (appended to) or standard output, through pino's buffered writer
 * (sonic-boom, what the JSON log itself uses), so a request never waits for the disk: lines queue in memory
 * and go out together, at most a second late. When the disk falls so far behind that the queue passes its
 * bound, lines are dropped and counted rather than held without limit.
 */
import { openSync } from 'node:fs';
import { pino } from 'pino';
import type { AccessLogTarget } from '../settings/settings.ts';

/** How much may wait for the disk before lines are dropped. */
const BUFFER_LIMIT = 8 * 1024 * 1024;

export interface AccessLogFile {
  write(line: string): void;
  /** Lines dropped because the queue was full or the stream broke. */
  readonly dropped: number;
  /** Writes out what is queued (standard output stays open). */
  close(): Promise<void>;
}

/**
 * Opens the log now, so that a path that cannot be written stops the start (as nginx's `open() failed`).
 * `onTrouble` hears of the first drop and of a stream that broke (then every later line is dropped).
 */
export function openAccessLog(target: Exclude<AccessLogTarget, { kind: 'off' }>, onTrouble: (message: string, err?: unknown) => void): AccessLogFile {
  const fd = target.kind === 'stdout' ? 1 : openSync(target.path, 'a');
  // Lines wait until 8 KiB have gathered (or a second has passed, for a quiet gateway): one write for a few dozen
  // requests, as nginx's `access_log ... buffer= flush=`, instead of a trip to the thread pool for each line.
  const stream = pino.destination({ dest: fd, sync: false, minLength: 8 * 1024, periodicFlush: 1000, maxLength: BUFFER_LIMIT });
  let dropped = 0;
  let broken = false;
  stream.on('drop', () => {
    if (dropped++ === 0) onTrouble('the access log falls behind; lines are dropped (see gateway_access_log_dropped_total)');
  });
  stream.on('error', (err: unknown) => {
    if (!broken) onTrouble('the access log cannot be written; its lines are dropped from now on', err);
    broken = true;
  });
  return {
    write(line) {
      if (broken) {
        dropped++;
        return;
      }
      stream.write(line);
    },
    get dropped() {
      return dropped;
    },
    close: () => new Promise<void>((resolve) => {
      if (broken) return resolve();
      stream.once('close', () => resolve());
      stream.once('error', () => resolve());
      stream.end();
    }),
  };
}

export function accessLogMetrics(file: AccessLogFile): () => string {
  return () => [
    '# HELP gateway_access_log_dropped_total Access log lines dropped (the disk fell behind, or the log broke).',
    '# TYPE gateway_access_log_dropped_total counter',
    `gateway_access_log_dropped_total ${file.dropped}`,
  ].join('\n');
}

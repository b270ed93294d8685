/**
 * The request's `kong.log.serialize()` record and its JSON, made once per request for all the logging plugins
 * on it (none adds to it: custom_fields_by_lua is refused), keyed by the request's `kong.ctx.shared`.
 */
import type { Kong } from '../../pdk/kong.ts';

export class LogRecord {
  readonly record: Readonly<Record<string, unknown>>;
  #json: string | undefined;
  constructor(record: Readonly<Record<string, unknown>>) {
    this.record = record;
  }
  get json(): string {
    return (this.#json ??= JSON.stringify(this.record));
  }
}

const made = new WeakMap<object, LogRecord>();

export function logRecord(kong: Kong): LogRecord {
  const request = kong.ctx.shared;
  let found = made.get(request);
  if (found === undefined) {
    found = new LogRecord(kong.log.serialize());
    made.set(request, found);
  }
  return found;
}

export const recordJson = (kong: Kong): string => logRecord(kong).json;

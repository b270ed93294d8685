/**
 * The JSON of the request's log record, made once per request for all the logging plugins on it. In the log
 * phase `kong.log.serialize()` hands every plugin the same record (none adds to it: custom_fields_by_lua is
 * refused), so the record itself keys its JSON.
 */
import type { Kong } from '../../pdk/kong.ts';

const encoded = new WeakMap<object, string>();

export function recordJson(kong: Kong): string {
  const record = kong.log.serialize();
  let json = encoded.get(record);
  if (json === undefined) encoded.set(record, (json = JSON.stringify(record)));
  return json;
}

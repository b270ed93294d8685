/**
 * Kong's response-transformer (kong/plugins/response-transformer/): the answer's headers in the header filter
 * (remove → rename → replace → add → append, each test made on the headers as the upstream sent them), and the
 * JSON body in the body filter. The body is held back only when a JSON transform is configured and the answer's
 * Content-Type is JSON (application/json or a +json type); then its Content-Length goes, as the body will change.
 * Anything else streams through untouched. A body that is not a JSON object goes as it came, with a warning.
 */
import type { Kong } from '../../../pdk/kong.ts';
import { definePluginHandler } from '../../types.ts';
import { type Entry, type JsonOps, type JsonType, transformJson } from './json.ts';

interface Ops {
  readonly json: readonly string[];
  readonly headers: readonly string[];
}
interface TypedOps extends Ops {
  readonly json_types: readonly JsonType[];
}

export interface ResponseTransformerConfig {
  readonly remove: Ops;
  readonly rename: Ops;
  readonly replace: TypedOps;
  readonly add: TypedOps;
  readonly append: TypedOps;
}

interface HeaderEntry {
  readonly name: string;
  readonly value: string | undefined;
}

interface Prepared {
  readonly headers: { readonly remove: readonly string[]; readonly rename: readonly HeaderEntry[]; readonly replace: readonly HeaderEntry[]; readonly add: readonly HeaderEntry[]; readonly append: readonly HeaderEntry[] };
  readonly json: JsonOps | undefined;
}

/** Kong's `^([^:]+):*(.-)$`, an empty value being nil. */
function split(entry: string): HeaderEntry {
  const m = /^([^:]+):*([\s\S]*)$/.exec(entry);
  const value = m ? m[2]! : '';
  return { name: m ? m[1]! : entry, value: value === '' ? undefined : value };
}

const entries = (list: readonly string[], types: readonly JsonType[] = []): Entry[] => list.map((e, i) => ({ ...split(e), type: types[i] }));

function prepare(config: ResponseTransformerConfig): Prepared {
  const append = config.append.headers.map(split);
  const empty = append.findIndex((e) => e.value === undefined);
  if (empty >= 0) {
    // Kong's add_header gets nil there and fails every answer.
    throw Object.assign(new Error(`'${config.append.headers[empty]}' has no value to append`), { path: ['append', 'headers', empty] });
  }
  const json: JsonOps = {
    remove: config.remove.json.map((e) => split(e).name),
    rename: entries(config.rename.json),
    replace: entries(config.replace.json, config.replace.json_types),
    add: entries(config.add.json, config.add.json_types),
    append: entries(config.append.json, config.append.json_types),
  };
  const anyJson = json.remove.length + json.rename.length + json.replace.length + json.add.length + json.append.length > 0;
  return {
    headers: {
      remove: config.remove.headers.map((e) => split(e).name),
      rename: config.rename.headers.map(split),
      replace: config.replace.headers.map(split),
      add: config.add.headers.map(split),
      append,
    },
    json: anyJson ? json : undefined,
  };
}

/** Kong's `is_json_body`: any of the listed media types is application/json or application/*+json. */
export function isJsonBody(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  return contentType.split(',').some((part) => {
    const m = /^\s*([^/\s;]+)\/([^\s;]+)/.exec(part);
    if (!m) return false;
    const [type, subtype] = [m[1]!.toLowerCase(), m[2]!.toLowerCase()];
    return type === 'application' && (subtype === 'json' || subtype.endsWith('+json'));
  });
}

type Headers = Readonly<Record<string, string | readonly string[]>>;
/** ngx_lua's lookup in a header table: lower case, `_` as `-`. */
const lookup = (headers: Headers, name: string) => headers[name.toLowerCase().replaceAll('_', '-')];

function headerFilter(kong: Kong, conf: Prepared): void {
  // Kong tests each entry against the headers as they were when the filter began.
  const headers: Headers = { ...kong.response.getHeaders() };
  const h = conf.headers;
  for (const name of h.remove) kong.response.clearHeader(name);
  for (const { name, value } of h.rename) {
    const current = lookup(headers, name);
    if (current === undefined || value === undefined) continue;
    kong.response.setHeaders({ [value]: current });
    kong.response.clearHeader(name);
  }
  for (const { name, value } of h.replace) if (lookup(headers, name) !== undefined && value !== undefined) kong.response.setHeader(name, value);
  for (const { name, value } of h.add) if (lookup(headers, name) === undefined && value !== undefined) kong.response.setHeader(name, value);
  for (const { name, value } of h.append) kong.response.addHeader(name, value!);
  if (conf.json && isJsonBody(firstOf(lookup(headers, 'content-type')))) kong.response.clearHeader('content-length');
}

const firstOf = (v: string | readonly string[] | undefined) => (typeof v === 'string' ? v : v?.[0]);

interface Held {
  chunks: Buffer[];
}

function bodyFilter(kong: Kong, conf: Prepared): void {
  const ops = conf.json;
  if (!ops || !isJsonBody(kong.response.getHeader('content-type'))) return;
  let held = kong.ctx.plugin.held as Held | undefined;
  if (!held) kong.ctx.plugin.held = held = { chunks: [] };
  const chunk = kong.response.getBodyChunk();
  if (chunk.length > 0) held.chunks.push(chunk);
  if (!kong.response.isLastChunk()) {
    kong.response.setBodyChunk(null);
    return;
  }
  const body = held.chunks.length === 1 ? held.chunks[0]! : Buffer.concat(held.chunks);
  held.chunks = [];
  const out = transformJson(ops, body.toString('utf8'));
  if (out === undefined) {
    kong.log.warn('body transform failed: failed parsing json body');
    kong.response.setBodyChunk(body);
    return;
  }
  kong.response.setBodyChunk(out);
}

export default definePluginHandler<ResponseTransformerConfig, Prepared>({
  version: '1.0.0',
  priority: 800,
  prepare,
  headerFilter: (kong, _config, conf) => headerFilter(kong, conf),
  bodyFilter: (kong, _config, conf) => bodyFilter(kong, conf),
});

/**
 * Kong's body transforms, chosen by the Content-Type the request has once its headers were transformed: JSON,
 * application/x-www-form-urlencoded and multipart/form-data (any other type is left alone). remove, rename and
 * replace apply only to a body that is not empty; add and append also fill an empty one. multipart has no
 * append (Kong's has none), and renames before it removes. A changed body goes with its new Content-Length.
 */
import { firstValue } from '../../../http/headers.ts';
import { encodeQuery, parseQuery } from '../../../http/query.ts';
import type { Kong, QueryArgs } from '../../../pdk/kong.ts';
import type { Prepared } from './config.ts';
import type { RequestEnv } from './env.ts';
import { boundaryOf, MultipartBody, parseMultipart } from './multipart.ts';
import { appendValue, record, render, renameKey, truthy } from './values.ts';

type Kind = 'json' | 'multipart' | 'form';

/** Kong's `get_content_type`: a substring test, JSON first. */
export function bodyKind(contentType: string | undefined): Kind | undefined {
  if (contentType === undefined) return undefined;
  const ct = contentType.toLowerCase();
  if (ct.includes('application/json')) return 'json';
  if (ct.includes('multipart/form-data')) return 'multipart';
  if (ct.includes('application/x-www-form-urlencoded')) return 'form';
  return undefined;
}

/** Body parameters and whether any operation ran on them (Kong re-encodes whenever one did). */
function transformRecord(conf: Prepared, env: RequestEnv, params: Record<string, unknown>, filled: boolean, form: boolean): boolean {
  let changed = false;
  if (filled) {
    for (const name of conf.remove.body) {
      delete params[name];
      changed = true;
    }
    for (const pair of conf.rename.body) changed = renameKey(params, pair.name, render(pair.value, env)) || changed;
    for (const pair of conf.replace.body) {
      if (truthy(params[pair.name])) {
        params[pair.name] = render(pair.value, env);
        changed = true;
      }
    }
  }
  for (const pair of conf.add.body) {
    // JSON: a false value counts as missing (Kong's `not parameters[name]`); a form has no false values.
    if (form ? params[pair.name] === undefined : !truthy(params[pair.name])) {
      params[pair.name] = render(pair.value, env);
      changed = true;
    }
  }
  for (const pair of conf.append.body) {
    params[pair.name] = appendValue(params[pair.name], render(pair.value, env));
    changed = true;
  }
  return changed;
}

function json(conf: Prepared, env: RequestEnv, body: Buffer): Buffer | undefined {
  let params: unknown = {};
  if (body.length > 0) {
    try {
      params = JSON.parse(body.toString('utf8'));
    } catch {
      return undefined;
    }
    // Kong indexes whatever cjson gave; for anything but an object that fails or changes nothing.
    if (params === null || typeof params !== 'object' || Array.isArray(params)) return undefined;
  }
  const rec = record<unknown>(params as object);
  return transformRecord(conf, env, rec, body.length > 0, false) ? Buffer.from(JSON.stringify(rec)) : undefined;
}

function form(conf: Prepared, env: RequestEnv, body: Buffer): Buffer | undefined {
  const params = record<unknown>(parseQuery(body.toString('utf8')));
  return transformRecord(conf, env, params, body.length > 0, true) ? Buffer.from(encodeQuery(params as QueryArgs)) : undefined;
}

const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

function multipart(conf: Prepared, env: RequestEnv, body: Buffer, contentType: string): Buffer | undefined {
  const boundary = boundaryOf(contentType);
  // lua-multipart reads no part without a boundary (and writes one the upstream cannot know): left alone here.
  if (boundary === undefined) return undefined;
  const parts = new MultipartBody(parseMultipart(body.toString('latin1'), boundary));
  const filled = body.length > 0;
  let changed = false;
  if (filled) {
    for (const pair of conf.rename.body) {
      const to = render(pair.value, env);
      const from = bytes(pair.name);
      const part = parts.get(from);
      if (part && to !== undefined && from !== bytes(to)) {
        parts.setSimple(bytes(to), part.value);
        parts.delete(from);
        changed = true;
      }
    }
    for (const name of conf.remove.body) {
      parts.delete(bytes(name));
      changed = true;
    }
    for (const pair of conf.replace.body) {
      const name = bytes(pair.name);
      if (parts.get(name)) {
        parts.delete(name);
        parts.setSimple(name, bytes(render(pair.value, env) ?? ''));
        changed = true;
      }
    }
  }
  for (const pair of conf.add.body) {
    const name = bytes(pair.name);
    if (!parts.get(name)) {
      parts.setSimple(name, bytes(render(pair.value, env) ?? ''));
      changed = true;
    }
  }
  return changed ? Buffer.from(parts.encode(boundary), 'latin1') : undefined;
}

export async function transformBody(kong: Kong, conf: Prepared, env: RequestEnv): Promise<void> {
  const contentType = firstValue(kong.service.request.getHeaders()['content-type']);
  const kind = bodyKind(contentType);
  if (kind === undefined || !conf.anyBody) return;
  const body = await kong.request.getRawBody();
  if (body === undefined) {
    // Kong gets no body past its buffer and would send the added fields alone: the body goes as it came.
    kong.log.warn('request body too large to transform; sent unchanged');
    return;
  }
  const out = kind === 'json' ? json(conf, env, body) : kind === 'form' ? form(conf, env, body) : multipart(conf, env, body, contentType!);
  if (out === undefined) return;
  kong.service.request.setRawBody(out);
  kong.service.request.setHeader('content-length', String(out.length));
}

/**
 * Kong's request-transformer (kong/plugins/request-transformer/access.lua), in Kong's order: the upstream path
 * (`replace.uri`), the method, the headers, the body, then the query string; within each, remove → rename →
 * replace → add → append. Templates are parsed once per config (prepare) and read the request through the PDK.
 */
import { firstValue } from '../../../http/headers.ts';
import { parseQuery } from '../../../http/query.ts';
import type { Kong } from '../../../pdk/kong.ts';
import { definePluginHandler } from '../../types.ts';
import { transformBody, bodyKind } from './body.ts';
import { prepareConfig, type Prepared, type RequestTransformerConfig } from './config.ts';
import { RequestEnv } from './env.ts';
import { transformHeaders } from './headers.ts';
import { appendValue, record, render, renameKey } from './values.ts';

function transformUri(kong: Kong, conf: Prepared, env: RequestEnv): void {
  const path = render(conf.uri, env);
  if (path !== undefined) kong.service.request.setPath(path);
}

/** A GET, HEAD or TRACE made of a form request takes the form's fields into its query string, as Kong does. */
async function transformMethod(kong: Kong, conf: Prepared): Promise<void> {
  const method = conf.httpMethod;
  if (!method) return;
  kong.service.request.setMethod(method.toUpperCase());
  if (method !== 'GET' && method !== 'HEAD' && method !== 'TRACE') return;
  if (bodyKind(firstValue(kong.service.request.getHeaders()['content-type'])) !== 'form') return;
  const body = await kong.request.getRawBody();
  const fields = parseQuery(body?.toString('utf8') ?? '');
  const names = Object.keys(fields);
  if (names.length === 0) return;
  const query = record<unknown>(kong.service.request.getQuery());
  for (const name of names) {
    const value = fields[name]!;
    const current = query[name];
    const values = Array.isArray(value) ? value : [value];
    query[name] = current === undefined ? value : [...(Array.isArray(current) ? current : [current]), ...values];
  }
  kong.service.request.setQuery(query as Parameters<typeof kong.service.request.setQuery>[0]);
}

function transformQuery(kong: Kong, conf: Prepared, env: RequestEnv): void {
  if (!conf.anyQuery) return;
  // Kong starts from the query table its templates read (loaded on first use, then kept).
  const query = record<unknown>(env.query());
  for (const name of conf.remove.querystring) delete query[name];
  for (const pair of conf.rename.querystring) renameKey(query, pair.name, render(pair.value, env));
  for (const pair of conf.replace.querystring) if (query[pair.name] !== undefined) query[pair.name] = render(pair.value, env);
  for (const pair of conf.add.querystring) if (query[pair.name] === undefined) query[pair.name] = render(pair.value, env);
  for (const pair of conf.append.querystring) query[pair.name] = appendValue(query[pair.name], render(pair.value, env));
  for (const name of Object.keys(query)) {
    const v = query[name];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) delete query[name];
  }
  kong.service.request.setQuery(query as Parameters<typeof kong.service.request.setQuery>[0]);
}

export default definePluginHandler<RequestTransformerConfig, Prepared>({
  version: '1.0.0',
  priority: 801,
  prepare: prepareConfig,
  async access(kong, _config, conf) {
    const env = new RequestEnv(kong);
    transformUri(kong, conf, env);
    await transformMethod(kong, conf);
    transformHeaders(kong, conf, env);
    await transformBody(kong, conf, env);
    transformQuery(kong, conf, env);
  },
});

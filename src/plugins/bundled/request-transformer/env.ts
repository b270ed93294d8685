/**
 * What templates read during one request, as Kong's lazily loaded environment: each table is read from the
 * request the first time a template touches it, then kept for the rest of the plugin's run (so a header the
 * plugin removes can still feed a later template, as Kong's tests expect).
 */
import type { Kong, QueryArgs } from '../../../pdk/kong.ts';
import type { Source, TemplateEnv } from './template.ts';

type HeaderTable = Readonly<Record<string, string | readonly string[]>>;

/** ngx_lua's header table lookup: the key as written, else lower-cased with `_` as `-`. */
export function headerLookup(headers: HeaderTable, key: string): string | readonly string[] | undefined {
  const raw = Object.hasOwn(headers, key) ? headers[key] : undefined;
  if (raw !== undefined) return raw;
  const normal = key.toLowerCase().replaceAll('_', '-');
  return normal !== key && Object.hasOwn(headers, normal) ? headers[normal] : undefined;
}

export class RequestEnv implements TemplateEnv {
  readonly #kong: Kong;
  #headers: HeaderTable | undefined;
  #query: QueryArgs | undefined;

  constructor(kong: Kong) {
    this.#kong = kong;
  }

  /** The query table templates read (Kong also starts its querystring changes from it). */
  query(): QueryArgs {
    return (this.#query ??= this.#kong.service.request.getQuery());
  }

  lookup(source: Source, key: string | number): unknown {
    switch (source) {
      case 'headers':
        return typeof key === 'string' ? headerLookup((this.#headers ??= this.#kong.service.request.getHeaders()), key) : undefined;
      case 'query_params': {
        const q = this.query();
        return typeof key === 'string' && Object.hasOwn(q, key) ? q[key] : undefined;
      }
      case 'uri_captures': {
        const c = this.#kong.router.getCaptures();
        if (!c) return undefined;
        // A group that did not take part is missing (Kong's nil); one that matched the empty string is ''.
        return typeof key === 'number' ? c.unnamed[key] : Object.hasOwn(c.named, key) ? c.named[key] : undefined;
      }
      case 'shared': {
        const shared = this.#kong.ctx.shared;
        return typeof key === 'string' && Object.hasOwn(shared, key) ? shared[key] : undefined;
      }
    }
  }
}

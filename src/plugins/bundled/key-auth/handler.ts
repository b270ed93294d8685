// Kong: kong/plugins/key-auth/handler.lua
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type { JsonValue, Kong } from '../../../pdk/kong.ts';
import { alreadyAuthenticated, failOrAnonymous, setConsumer } from '../authentication.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

interface Prepared {
  /** Kong 3.10's challenge: `Key realm="…"` with a realm, else the bare `Key`. */
  readonly challenge: string;
  /** Each key name as a header is looked up: lower case, and with `_` as `-` (nginx reads both alike). */
  readonly headerNames: readonly (readonly [string, string])[];
}

const NO_KEY = 'No API key found in request';
const DUPLICATE = 'Duplicate API key found';

/** The body's fields; null when it has none (or is not JSON, a form or multipart); undefined while unread. */
type Body = Readonly<Record<string, unknown>> | null | undefined;

/** The search needs the body (key_in_body), which is not read yet. */
const NEED_BODY = Symbol('need body');

export default definePluginHandler<Config, Prepared>({
  version: '1.0.0',
  priority: 1250,
  prepare: (config) => ({
    challenge: config.realm ? `Key realm="${config.realm}"` : 'Key',
    headerNames: config.key_names.map((n) => [n.toLowerCase(), n.toLowerCase().replaceAll('_', '-')] as const),
  }),
  access(kong, config, prepared) {
    if (!config.run_on_preflight && kong.request.getMethod() === 'OPTIONS') return;
    if (alreadyAuthenticated(kong, config.anonymous)) return;
    const done = (failure: string | undefined) => {
      if (failure) failOrAnonymous(kong, config.anonymous, () => kong.response.error(401, failure, { 'WWW-Authenticate': prepared.challenge }));
    };
    // The body is read only when the search reaches it, as in Kong (then the search starts over with it).
    const first = authenticate(kong, config, prepared, undefined);
    if (first !== NEED_BODY) return done(first);
    return readBody(kong).then((body) => done(authenticate(kong, config, prepared, body) as string | undefined));
  },
});

/** The body's fields as Kong's `get_body` gives them (form, JSON or multipart); null when it has none. */
async function readBody(kong: Kong): Promise<Readonly<Record<string, unknown>> | null> {
  const { body } = await kong.request.getBody();
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
}

/**
 * Kong's search: for each key name in turn, the header, then the query argument, then the body field; the first
 * string found is the key (a list is a duplicated key). Returns Kong's 401 message when authentication fails.
 */
function authenticate(kong: Kong, config: Config, prepared: Prepared, body: Body): string | undefined | typeof NEED_BODY {
  const headers = config.key_in_header ? kong.request.getHeaders() : undefined;
  const query = config.key_in_query ? kong.request.getQuery() : undefined;
  for (let i = 0; i < config.key_names.length; i++) {
    const name = config.key_names[i]!;
    const [lower, dashed] = prepared.headerNames[i]!;
    let v: unknown = headers ? (headers[lower] ?? headers[dashed]) : undefined;
    if (v === undefined && query) v = query[name];
    if (v === undefined && config.key_in_body) {
      if (body === undefined) return NEED_BODY;
      v = body?.[name];
    }
    if (typeof v === 'string') {
      if (config.hide_credentials) {
        // Kong takes the name out of the body too, wherever the key was found.
        if (config.key_in_body && body === undefined) return NEED_BODY;
        hide(kong, name, body);
      }
      return v === '' ? NO_KEY : check(kong, v);
    }
    if (Array.isArray(v)) return DUPLICATE;
  }
  return NO_KEY;
}

/** hide_credentials: Kong removes the name from the query, the headers and (with key_in_body) the body alike. */
function hide(kong: Kong, name: string, body: Body): void {
  kong.service.request.clearQueryArg(name);
  kong.service.request.clearHeader(name);
  if (body) {
    const { [name]: _removed, ...rest } = body;
    kong.service.request.setBody(rest as JsonValue);
  }
}

function check(kong: Kong, key: string): string | undefined {
  const found = kong.client.credentials.keyauth(key);
  if (!found) return 'Unauthorized';
  setConsumer(kong, found.consumer, found.credential, found.credential.id);
  return undefined;
}

/**
 * The gateway's own answers, as Kong's `kong.response.error` writes them: the body's type follows the client's
 * `Accept` (JSON by default; HTML, XML or plain text when asked), and carries the request id.
 */

export const DEFAULT_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  408: 'Request timeout',
  411: 'Length required',
  412: 'Precondition failed',
  413: 'Payload too large',
  414: 'URI too long',
  417: 'Expectation failed',
  426: 'Please use HTTPS protocol',
  429: 'Too many requests',
  500: 'An unexpected error occurred',
  502: 'An invalid response was received from the upstream server',
  503: 'The upstream server is currently unavailable',
  504: 'The upstream server is timing out',
};

export function defaultMessage(status: number): string {
  return DEFAULT_MESSAGES[status] ?? `The upstream server responded with ${status}`;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export type Kind = 'json' | 'html' | 'xml' | 'plain';

/** kong/tools/http.lua's MIME_TYPES: the media types it has a template for (`*` forms included). */
const MIME_KINDS: Readonly<Record<string, Kind>> = {
  'text/html': 'html', 'application/json': 'json', 'text/plain': 'plain', 'application/xml': 'xml', 'application/*': 'json',
  'text/*': 'plain', '*/*': 'json',
};

/**
 * kong/tools/http.lua's ACCEPT_PATTERN (PCRE, extended: no spaces inside a range or around `=`): a media range,
 * then parameters, matched from the start only; the last `q` among them counts.
 */
const MEDIA_RANGE = /^((?:[a-z0-9][a-z0-9\-!#$&^_+.]+|\*)\/(?:[a-z0-9][a-z0-9\-!#$&^_+.]+|\*))/i;
const PARAM = /\s*;\s*(?:q=(1(?:\.0{0,3})?|0(?:\.\d{0,3})?)|[a-z0-9][a-z0-9\-!#$&^_+.]+(?:=[^;]*)?)/iy;

function quality(value: string, from: number): number {
  let q = 1;
  PARAM.lastIndex = from;
  for (let m = PARAM.exec(value); m; m = PARAM.exec(value)) if (m[1] !== undefined) q = Number(m[1]);
  return q;
}

/**
 * Kong's get_response_type: the media range of the highest quality (the first among equals) picks the template;
 * one Kong has no template for means JSON, as does no Accept at all.
 */
function kindFor(accept: string | undefined): Kind {
  if (!accept) return 'json';
  let kind: Kind = 'json';
  let best = 0;
  for (const part of accept.split(',')) {
    const value = part.trim();
    const m = MEDIA_RANGE.exec(value);
    if (!m) continue;
    const q = quality(value, m[1]!.length);
    if (q > best) {
      best = q;
      const [type = '', sub = ''] = m[1]!.split('/');
      kind = MIME_KINDS[sub === '*' ? `${type}/*` : `${type}/${sub}`] ?? 'json';
    }
  }
  return kind;
}

export interface ErrorBody {
  readonly contentType: string;
  readonly body: string;
}

/** Custom templates (Kong's `error_template_html`, `_json`, `_xml`, `_plain`): `%s` is the message, then the id. */
export type ErrorTemplates = Readonly<Partial<Record<Kind, string>>>;

function fill(template: string, message: string, requestId: string): string {
  let n = 0;
  return template.replace(/%([s%])/g, (_, c: string) => (c === '%' ? '%' : n++ === 0 ? message : requestId));
}

const CONTENT_TYPES: Readonly<Record<Kind, string>> = {
  html: 'text/html; charset=utf-8', json: 'application/json; charset=utf-8', xml: 'application/xml; charset=utf-8', plain: 'text/plain; charset=utf-8',
};

/** Kong's templates, byte for byte (kong/tools/http.lua ERROR_TEMPLATES); the message is escaped where Kong does not. */
export function errorBody(message: string, requestId: string, accept: string | undefined, templates?: ErrorTemplates): ErrorBody {
  const kind = kindFor(accept);
  const custom = templates?.[kind];
  const contentType = CONTENT_TYPES[kind];
  if (custom !== undefined) {
    const safe = kind === 'json' ? JSON.stringify(message).slice(1, -1) : kind === 'plain' ? message : escapeHtml(message);
    return { contentType, body: fill(custom, safe, requestId) };
  }
  switch (kind) {
    case 'html':
      return {
        contentType,
        body: `<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>${escapeHtml(message)}.</p>\n    <p>request_id: ${requestId}</p>\n  </body>\n</html>\n`,
      };
    case 'xml':
      return {
        contentType,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>${escapeHtml(message)}</message>\n  <requestid>${requestId}</requestid>\n</error>\n`,
      };
    case 'plain':
      return { contentType, body: `${message}\nrequest_id: ${requestId}\n` };
    default:
      return { contentType, body: `{\n  "message":${JSON.stringify(message)},\n  "request_id":"${requestId}"\n}` };
  }
}

/** nginx's built-in page for a version it does not speak (Kong's error handler does not take 505). */
const VERSION_PAGE = '<html>\r\n<head><title>505 HTTP Version Not Supported</title></head>\r\n<body>\r\n<center><h1>505 HTTP Version Not Supported</h1></center>\r\n</body>\r\n</html>\r\n';

/**
 * The page Kong's error handler (kong/error_handlers.lua) writes for what nginx answers itself: typed by Accept,
 * else by the request's Content-Type, else by error_default_type (text/plain). nginx's 494 (a header too large)
 * goes out as 400 with its own message.
 */
export function errorPage(status: number, message: string | undefined, requestId: string, accept: string | undefined, contentType: string | undefined, defaultType = 'text/plain', templates?: ErrorTemplates): { status: number; contentType: string; body: string } {
  if (status === 505) return { status, contentType: 'text/html', body: VERSION_PAGE };
  const sent = status === 494 ? 400 : status;
  const text = message ?? (status === 494 ? 'Request header or cookie too large' : defaultMessage(status));
  const e = errorBody(text, requestId, accept ?? contentType ?? defaultType, templates);
  return { status: sent, contentType: e.contentType, body: e.body };
}

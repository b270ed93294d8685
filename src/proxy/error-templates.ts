/**
 * Custom error templates (Kong's `error_template_html`, `_json`, `_xml`, `_plain`): read once at start, and
 * refused there when Lua's string.format would fail on them at each error.
 */
import { readFileSync } from 'node:fs';
import { GatewayError } from '../errors.ts';
import type { ErrorTemplates, Kind } from '../http/kong-errors.ts';

export const TEMPLATE_KINDS: readonly Kind[] = ['html', 'json', 'xml', 'plain'];

/**
 * Refuses a template Lua's string.format would fail on when an error is answered: a conversion other than `%s`
 * and `%%`, or more than the two values Kong gives it.
 */
export function checkErrorTemplate(text: string): string | undefined {
  let values = 0;
  for (const m of text.matchAll(/%(.?)/gs)) {
    if (m[1] === '%') continue;
    if (m[1] !== 's') return `'%${m[1] ?? ''}' is not a conversion Kong's templates take (only %s and %%)`;
    if (++values > 2) return 'more than two %s (Kong gives the message and the request id)';
  }
  return undefined;
}

/** The custom error templates' contents, read once at start; one that cannot be read or filled is refused. */
export function readErrorTemplates(paths: Readonly<Partial<Record<Kind, string>>>): ErrorTemplates {
  const out: Partial<Record<Kind, string>> = {};
  for (const kind of TEMPLATE_KINDS) {
    const path = paths[kind];
    if (path === undefined) continue;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new GatewayError('BAD_USAGE', `--error-template-${kind}: cannot read '${path}': ${(err as Error).message}`);
    }
    const problem = checkErrorTemplate(text);
    if (problem) throw new GatewayError('BAD_USAGE', `--error-template-${kind}: ${path}: ${problem}`);
    out[kind] = text;
  }
  return out;
}


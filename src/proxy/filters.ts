/**
 * The header and body filter phases over an answer about to be written. The header filter is synchronous (the
 * head cannot wait); a plugin that fails in it turns the answer into Kong's 500: the head is replaced in place,
 * the filters after the failed one run on it, and the caller gets the error body to send instead of its own. A
 * plugin that fails in the body filter cuts the answer. In buffered mode the response phase sees the whole answer
 * first. The log phase runs once the answer is out.
 */
import type { Headers } from '../http/headers.ts';
import type { ResponseSource } from '../pdk/kong.ts';
import { runSteps } from './phase-runner.ts';
import type { ProxyRequest } from './proxy-request.ts';
import { errorContent, ownHead } from './response-head.ts';
import { headersSent } from './serialize.ts';

const NOTHING = () => undefined;

/** Returns the status to write: a plugin may change it (kong.response.setStatus). */
export function headerFilter(ctx: ProxyRequest, status: number, headers: Headers, source: ResponseSource | undefined, replaced: (body: Buffer) => void): number {
  const kong = ctx.pdk;
  if (!kong) return status;
  kong.setResponse(status, headers, source);
  const steps = ctx.phases.headerFilter;
  let from = 0;
  while (from < steps.length) {
    let failedAt = -1;
    const ran = runSteps('headerFilter', steps, kong, { exited: false }, ctx.env, (i) => {
      failedAt = i;
    }, from);
    if (ran instanceof Promise) {
      ctx.env.log.warn({ request_id: ctx.facts.requestId }, 'a headerFilter phase returned a promise; header filters must be synchronous');
      ran.catch(NOTHING);
    }
    if (failedAt < 0) break;
    replaced(becomeError(ctx, headers));
    kong.setResponse(500, headers, 'error');
    from = failedAt + 1;
  }
  return kong.status ?? status;
}

/** Kong's 500 in place of the answer about to go out: `headers` replaced, the body returned. */
function becomeError(ctx: ProxyRequest, headers: Headers): Buffer {
  for (const name of Object.keys(headers)) delete headers[name];
  const content = errorContent(ctx, 500);
  headers['content-type'] = content.contentType;
  ownHead(ctx, headers);
  headers['content-length'] = String(content.body.length);
  ctx.pdk!.status = 500;
  return content.body;
}

/** The body filter phase over one chunk of the answer (the last call has `last` set). */
export function bodyFilter(ctx: ProxyRequest, chunk: Buffer, last: boolean, failed: () => void): Buffer | Promise<Buffer> {
  const kong = ctx.pdk!;
  kong.chunk = chunk;
  kong.lastChunk = last;
  const ran = runSteps('bodyFilter', ctx.phases.bodyFilter, kong, { exited: false }, ctx.env, failed);
  return ran instanceof Promise ? ran.then(() => kong.chunk) : kong.chunk;
}

/** The log phase, once the answer is out (or the client left): what it does never changes the answer. */
export function logPhase(ctx: ProxyRequest): void {
  const kong = ctx.pdk;
  if (!kong || ctx.phases.log.length === 0) return;
  kong.setResponse(ctx.res.statusCode, headersSent(ctx.res, kong));
  const done = runSteps('log', ctx.phases.log, kong, { exited: false }, ctx.env, NOTHING);
  if (done instanceof Promise) done.catch(NOTHING);
}

/**
 * Buffered mode: the response phase over the upstream's whole answer (the PDK's response is what it leaves).
 * False when a plugin answered instead, or the answer is already out.
 */
export async function responsePhase(ctx: ProxyRequest, status: number, head: Headers, body: Buffer): Promise<boolean> {
  const kong = ctx.pdk!;
  kong.setServiceResponse(status, { ...head }, body);
  kong.setResponse(status, head, 'service');
  kong.responseBody = body;
  if (ctx.phases.response.length > 0) {
    const ran = runSteps('response', ctx.phases.response, kong, ctx.flags, ctx.env, ctx.fail500);
    if (ran instanceof Promise) await ran;
  }
  return !(ctx.flags.exited || ctx.res.headersSent);
}

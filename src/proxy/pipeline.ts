/**
 * One proxied request, as a short sequence of named steps over a ProxyRequest, each returning once the answer is
 * decided (Fastify's handle-request is the model): what nginx refuses before Kong runs → rewrite (global
 * plugins) → route (Kong's own answers: 404, 426 or a redirect) → access (consumer-scoped instances resolved as
 * authentication happens) → upstream (a peer, the request as plugins left it, the exchange or the tunnel). The
 * answer owner takes it from there. Whatever a step throws costs only this request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../errors.ts';
import { newRequestId } from './request-facts.ts';
import type { PlannedPlugin, PlanStep, RoutePlan } from '../snapshot/plugin-plans.ts';
import { byPriority, NO_PHASES, phaseSteps, resolveStep } from '../snapshot/plugin-plans.ts';
import { exchange } from '../upstream/exchange.ts';
import { NO_PEER } from '../upstream/failures.ts';
import { tunnel, type Upgrade } from '../upstream/tunnel.ts';
import { runAccess, runSteps } from './phase-runner.ts';
import { requestScope } from './faults.ts';
import { answerCrash, ProxyRequest, type ProxyEnv } from './proxy-request.ts';
import { refusal } from './refusals.ts';
import { buildUpstreamCall } from './upstream-request.ts';
import { isWebSocketService, webSocketHandshake } from '../websocket/handshake.ts';

const NO_GROUPS: readonly string[] = Object.freeze([]);
const fixedOf = (step: PlanStep) => step.fixed?.planned;

export function handleRequest(env: ProxyEnv, req: IncomingMessage, res: ServerResponse, upgrade?: Upgrade, expectsContinue = false): void {
  let ctx: ProxyRequest | undefined;
  try {
    ctx = new ProxyRequest(env, req, res, upgrade, expectsContinue);
  } catch (err) {
    // Not even the request's facts could be read: answered plainly, logged under a request id of its own.
    const requestId = newRequestId();
    const started = performance.now();
    env.log.error({ request_id: requestId, stage: 'arrival', err: describeError(err) }, 'request failed');
    answerCrash(env, req, res, requestId, started);
    return;
  }
  if (env.traceFaults) requestScope.run({ requestId: ctx.facts.requestId, request: new WeakRef(ctx) }, () => ctx!.guard(begin));
  else ctx.guard(begin);
}

function begin(ctx: ProxyRequest): void {
  const refused = refusal(ctx.facts);
  if (refused) return ctx.reply.send({ kind: 'refused', ...refused });
  if (ctx.snapshot.plugins.global.length > 0) return rewrite(ctx);
  route(ctx);
}

/**
 * Only global plugins run here: no route is known yet. They also form the plan of a request no route takes (its
 * 404, 426 or redirect goes through their header filter and log phases, as Kong's collected iterator falls back
 * to the global one), whether or not any of them has a rewrite phase.
 */
function rewrite(ctx: ProxyRequest): void {
  const kong = ctx.kong();
  const phases = (ctx.phases = ctx.snapshot.plugins.globalPhases);
  if (phases.rewrite.length === 0) return route(ctx);
  ctx.stage = 'rewrite';
  const ran = runSteps('rewrite', phases.rewrite, kong, ctx.flags, ctx.env, ctx.fail500);
  if (ran instanceof Promise) return ctx.after(ran, route);
  if (!ctx.flags.exited) route(ctx);
}

function route(ctx: ProxyRequest): void {
  ctx.stage = 'route';
  const { facts, snapshot } = ctx;
  const match = (ctx.match = snapshot.router.match(facts));
  if (!match) return ctx.reply.send({ kind: 'error', status: 404, message: 'no Route matched with those values' });
  const { route } = match;
  const protocols = route.protocols;
  // wss is to ws what https is to http: a route that takes only the secure one answers plain requests so.
  if (facts.scheme === 'http' && !protocols.includes('http') && !protocols.includes('ws') && (protocols.includes('https') || protocols.includes('wss'))) {
    const status = route.https_redirect_status_code;
    if (status === 426) return ctx.reply.send({ kind: 'error', status, message: 'Please use HTTPS protocol', headers: { connection: 'Upgrade', upgrade: 'TLS/1.2, HTTP/1.1' } });
    // Kong's Location: the forwarded host (X-Forwarded-Host from a trusted peer, else $host, without its port).
    return ctx.reply.send({ kind: 'redirect', status, location: `https://${facts.forwardedHost}${facts.target}` });
  }
  const plan = snapshot.plugins.forRoute(route.id);
  // A WebSocket service: its own handshake phase, then frame by frame (an upgrade to an http service is the tunnel).
  if (isWebSocketService(match.service)) return webSocketHandshake(ctx, plan);
  if (plan.access.length === 0) {
    ctx.phases = NO_PHASES;
    return upstream(ctx);
  }
  ctx.stage = 'access';
  const kong = ctx.kong();
  kong.match = match;
  ctx.phases = plan.phases;
  const ran = plan.consumerScoped ? accessWithConsumers(ctx, plan) : runAccess(plan.access, fixedOf, kong, ctx.flags, ctx.env, ctx.fail500);
  if (ran instanceof Promise) return ctx.after(ran, upstream);
  if (!ctx.flags.exited) upstream(ctx);
}

/**
 * The access phase when some instance is scoped to consumers: each step resolves as the phase reaches it, so
 * plugins after an authentication plugin see the consumer it identified. The later phases run the instances
 * the access phase ran, and for steps it did not reach (a plugin answered), those for the final consumer. (A
 * WebSocket service's handshake is its access phase; its later phases are the frame and close ones.)
 */
export function accessWithConsumers(ctx: ProxyRequest, plan: RoutePlan, phase: 'access' | 'wsHandshake' = 'access', later = phaseSteps): void | Promise<void> {
  const kong = ctx.pdk!;
  const credentials = ctx.snapshot.credentials;
  const chosen = new Map<PlanStep, PlannedPlugin | undefined>();
  const resolve = (step: PlanStep) => {
    const consumerId = kong.consumer?.id;
    return resolveStep(step, consumerId, consumerId === undefined ? NO_GROUPS : credentials.consumerGroupIdsOf(consumerId));
  };
  const pick = (step: PlanStep) => {
    const p = resolve(step);
    chosen.set(step, p);
    return p;
  };
  const settle = () => {
    ctx.phases = later(plan.access.map((s) => (chosen.has(s) ? chosen.get(s) : resolve(s))).filter((p): p is PlannedPlugin => p !== undefined).sort(byPriority));
  };
  const ran = runAccess(plan.access, pick, kong, ctx.flags, ctx.env, () => {
    settle();
    ctx.fail500();
  }, 0, phase);
  if (ran instanceof Promise) return ran.then(settle);
  settle();
}

/** A peer and the request as plugins left it, then the exchange (or the tunnel, for an upgrade). */
function upstream(ctx: ProxyRequest): void {
  ctx.stage = 'upstream';
  const match = ctx.match!;
  const service = match.service;
  if (!service) return ctx.reply.send({ kind: 'error', status: 503, message: 'no Service found with those values' });
  const call = buildUpstreamCall(ctx, match, service);
  if (!call) return ctx.reply.send({ kind: 'error', status: NO_PEER.status, message: NO_PEER.message });
  if (ctx.upgrade) return tunnel(ctx.env.health, call, ctx.upgrade, ctx.reply);
  // The body streams upstream from here: a client waiting for 100 Continue may send it now.
  if (call.body !== null && !Buffer.isBuffer(call.body)) ctx.sendContinue();
  exchange(ctx.env, call, ctx.reply);
}

/**
 * A WebSocket service's handshake (Kong Enterprise's `ws` / `wss` services): a routed request that is not an
 * upgrade is refused (426), one whose WebSocket headers are wrong too; then the `wsHandshake` phase, the access
 * phase of these services (authentication, ACLs, an answer instead with kong.response.exit, consumer-scoped
 * instances resolved as it goes); then the upstream. `access`, `response`, the filters and `log` do not run for
 * these services: their phases after the handshake are the frames' and `wsClose`.
 */
import type { Service } from '../declarative/config.ts';
import { accessWithConsumers } from '../proxy/pipeline.ts';
import { runAccess } from '../proxy/phase-runner.ts';
import type { ProxyRequest } from '../proxy/proxy-request.ts';
import { buildUpstreamCall } from '../proxy/upstream-request.ts';
import { webSocketSteps, type PlanStep, type RoutePlan } from '../snapshot/plugin-plans.ts';
import { NO_PEER } from '../upstream/failures.ts';
import { connectUpstream } from './connect.ts';
import { WebSocketSession } from './session.ts';

export const isWebSocketService = (service: Service | null | undefined): boolean => service?.protocol === 'ws' || service?.protocol === 'wss';

const fixedOf = (step: PlanStep) => step.fixed?.planned;
const KEY = /^[+/0-9A-Za-z]{22}==$/;

export function webSocketHandshake(ctx: ProxyRequest, plan: RoutePlan): void {
  ctx.stage = 'wsHandshake';
  ctx.phases = plan.ws;
  if (!ctx.upgrade) return ctx.reply.send({ kind: 'error', status: 426, message: 'Upgrade Required', headers: { connection: 'Upgrade', upgrade: 'websocket' } });
  const headers = ctx.req.headers;
  // RFC 6455 4.2.1: the gateway answers a handshake it cannot complete itself, before asking the upstream.
  if (headers['sec-websocket-version'] !== '13') return ctx.reply.send({ kind: 'error', status: 426, message: 'Upgrade Required', headers: { 'sec-websocket-version': '13' } });
  if (!KEY.test(headers['sec-websocket-key'] ?? '')) return ctx.reply.send({ kind: 'error', status: 400, message: 'Bad Request' });
  const session = new WebSocketSession(ctx);
  const kong = ctx.kong();
  kong.match = ctx.match;
  kong.websocket = session;
  // A handshake answered instead of opened ends here: its wsClose runs once the answer is out.
  ctx.res.once('close', () => {
    if (!session.client) session.finish();
  });
  if (plan.access.length === 0) return upstream(ctx, session);
  const ran = plan.consumerScoped
    ? accessWithConsumers(ctx, plan, 'wsHandshake', webSocketSteps)
    : runAccess(plan.access, fixedOf, kong, ctx.flags, ctx.env, ctx.fail500, 0, 'wsHandshake');
  if (ran instanceof Promise) return ctx.after(ran, (c) => upstream(c, session));
  if (!ctx.flags.exited) upstream(ctx, session);
}

function upstream(ctx: ProxyRequest, session: WebSocketSession): void {
  ctx.stage = 'upstream';
  const match = ctx.match!;
  const service = match.service;
  if (!service) return ctx.reply.send({ kind: 'error', status: 503, message: 'no Service found with those values' });
  const call = buildUpstreamCall(ctx, match, service);
  if (!call) return ctx.reply.send({ kind: 'error', status: NO_PEER.status, message: NO_PEER.message });
  connectUpstream(ctx, call, session);
}

/**
 * Kong's `check_phase` (kong/pdk/private/phases.lua): a PDK call that changes something, made in a phase where
 * the change can no longer take effect, throws an error naming the function and the phase, instead of being
 * silently lost. The runner sets the phase before each plugin call; getters are allowed everywhere.
 */
import type { Phase } from '../plugins/types.ts';
import type { RequestState } from './request-state.ts';

export type Phases = ReadonlySet<Phase>;

/** The upstream request can still change: kong.service.request, kong.service.setTarget. */
// A WebSocket service's handshake is its access phase (Kong Enterprise's ws_handshake): the same calls work there.
export const BEFORE_UPSTREAM: Phases = new Set(['rewrite', 'access', 'wsHandshake']);
/** Only once the route and service are known: kong.service.setUpstream, kong.client.authenticate. */
export const ACCESS_ONLY: Phases = new Set(['access', 'wsHandshake']);
/** The answer's head can still change: kong.response.setHeader and the like (applied to whatever answer comes). */
export const BEFORE_HEAD: Phases = new Set(['rewrite', 'access', 'response', 'headerFilter', 'wsHandshake']);
/** A plugin may still answer instead: kong.response.exit and error. */
export const MAY_ANSWER: Phases = new Set(['rewrite', 'access', 'response', 'wsHandshake']);
/** The answer exists and its status can still change (buffered, or about to be written). */
export const STATUS: Phases = new Set(['response', 'headerFilter']);
/** The whole body about to be sent (buffered mode). */
export const RESPONSE_ONLY: Phases = new Set(['response']);
export const BODY_FILTER_ONLY: Phases = new Set(['bodyFilter']);

export class PhaseError extends Error {
  override readonly name = 'PhaseError';
}

export function checkPhase(state: RequestState, allowed: Phases, fn: string): void {
  const phase = state.phase;
  if (phase === undefined || allowed.has(phase)) return;
  // An HTTP request's message names the HTTP phases only, as Kong's does.
  const http = [...allowed].filter((p) => !p.startsWith('ws'));
  const named = phase.startsWith('ws') || http.length === 0 ? [...allowed] : http;
  throw new PhaseError(`${fn}: function cannot be called in ${phase} phase (only in: ${named.join(', ')})`);
}

/**
 * Why an upstream request failed before its answer arrived, and how Kong answers it: 502 for a connection refused,
 * reset or a bad answer, 504 for a timeout, 503 when the name does not resolve. Whether the next try may go
 * (nginx's `proxy_next_upstream error timeout`, Kong's default): a connection that never opened is tried again
 * whatever the method; one that failed after the request went out (reset, closed, timed out before the answer's
 * head) only for methods nginx deems safe to repeat, not POST, PATCH or LOCK. An answer nginx could not read is
 * not tried again.
 */
import { defaultMessage } from '../http/kong-errors.ts';

export interface Failure {
  readonly status: 502 | 503 | 504;
  readonly message: string;
  /** The kind of failure passive health checks count. */
  readonly timeout: boolean;
  /** The request never reached the upstream: any method may be tried again. */
  readonly unsent: boolean;
  /** nginx would try the next peer (for a method it may repeat). */
  readonly retryable: boolean;
}

const BAD_GATEWAY = defaultMessage(502);
const TIMED_OUT = defaultMessage(504);

/** The connection was never made. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EHOSTDOWN', 'ENETDOWN']);
/** The connection broke after the request may have gone out. */
const BROKEN = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

const failure = (status: Failure['status'], message: string, timeout: boolean, unsent: boolean, retryable: boolean): Failure => ({ status, message, timeout, unsent, retryable });

export function classify(err: unknown): Failure {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return failure(504, TIMED_OUT, true, true, true);
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return failure(504, TIMED_OUT, true, false, true);
  if (code === 'UND_ERR_BODY_TIMEOUT') return failure(504, TIMED_OUT, true, false, false);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return failure(503, 'name resolution failed', false, true, false);
  if (NOT_CONNECTED.has(code)) return failure(502, BAD_GATEWAY, false, true, true);
  // A TLS handshake that failed (certificate refused, protocol mismatch) is nginx's "error": the next peer.
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) return failure(502, BAD_GATEWAY, false, true, true);
  if (BROKEN.has(code)) return failure(502, BAD_GATEWAY, false, false, true);
  return failure(502, BAD_GATEWAY, false, false, false);
}

/** Methods nginx does not send again once they reached the upstream. */
const NON_IDEMPOTENT = new Set(['POST', 'PATCH', 'LOCK']);

export function mayRetry(f: Failure, method: string): boolean {
  return f.retryable && (f.unsent || !NON_IDEMPOTENT.has(method));
}

export const WRITE_TIMEOUT = failure(504, TIMED_OUT, true, false, false);

/** Kong's answer when the balancer has no peer to give. */
export const NO_PEER = { status: 503, message: 'failure to get a peer from the ring-balancer' } as const;

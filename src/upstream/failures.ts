/**
 * Why an upstream request failed before its answer arrived, and how Kong answers it: 502 for a connection refused,
 * reset or a bad answer, 504 for a timeout, 503 when the name does not resolve. `retryable` says whether the next
 * try may go to another peer (a connection that never opened).
 */
import { defaultMessage } from '../http/kong-errors.ts';

export type Failure = { readonly status: 502 | 503 | 504; readonly message: string; readonly retryable: boolean };

const BAD_GATEWAY = defaultMessage(502);
const TIMED_OUT = defaultMessage(504);

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

export function classify(err: unknown): Failure {
  const code = (err as { code?: string } | null)?.code ?? '';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return { status: 504, message: TIMED_OUT, retryable: true };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { status: 504, message: TIMED_OUT, retryable: false };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { status: 503, message: 'name resolution failed', retryable: false };
  return { status: 502, message: BAD_GATEWAY, retryable: CONNECT_ERRORS.has(code) };
}

export const WRITE_TIMEOUT: Failure = { status: 504, message: TIMED_OUT, retryable: false };

/** Kong's answer when the balancer has no peer to give. */
export const NO_PEER = { status: 503, message: 'failure to get a peer from the ring-balancer' } as const;

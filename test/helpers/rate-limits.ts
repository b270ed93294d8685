/** Shared by the rate limiting tests: time windows that do not flip mid-case, and bursts of requests. */
import { request } from 'undici';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits, if needed, so that at least `needMs` remain in the current UTC window of `windowMs` (a case's requests then share one window). */
export async function freshWindow(windowMs: number, needMs: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < needMs) await sleep(left + 20);
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await request(url, { headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

/** `n` requests one after the other: what Kong's spec collects of each (client_requests). */
export async function burst(n: number, url: string, headers: Record<string, string> = {}) {
  const out = { status: [] as number[], limit: [] as number[], remaining: [] as number[], minuteLimit: [] as number[], minuteRemaining: [] as number[], reset: [] as number[], replies: [] as Reply[] };
  for (let i = 0; i < n; i++) {
    const r = await get(url, headers);
    out.replies.push(r);
    out.status.push(r.status);
    out.limit.push(Number(r.headers['ratelimit-limit']));
    out.remaining.push(Number(r.headers['ratelimit-remaining']));
    out.minuteLimit.push(Number(r.headers['x-ratelimit-limit-minute']));
    out.minuteRemaining.push(Number(r.headers['x-ratelimit-remaining-minute']));
    out.reset.push(Number(r.headers['ratelimit-reset']));
  }
  return out;
}

/** An upstream that answers with what it received (headers as lists, in the order sent, and the body), for the transformer tests. */
import { after } from 'node:test';
import { request } from 'undici';
import { startUpstream, type Upstream } from './servers.ts';

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Record<string, string[]>;
  readonly body: string;
}

export async function startEchoUpstream(): Promise<Upstream> {
  const upstream = await startUpstream((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string[]> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) (headers[req.rawHeaders[i]!.toLowerCase()] ??= []).push(req.rawHeaders[i + 1]!);
      const body = JSON.stringify({ method: req.method, url: req.url, headers, body: Buffer.concat(chunks).toString('latin1') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  after(() => upstream.close());
  return upstream;
}

export interface Send {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
}

/** Sends through the gateway; the upstream's view of the request, or the gateway's own answer. */
export async function send(base: string, host: string, s: Send = {}): Promise<{ status: number; text: string; got: Received | undefined }> {
  const res = await request(`${base}${s.path ?? '/request'}`, { method: (s.method ?? 'GET') as 'GET', headers: { host, ...s.headers }, body: s.body });
  const text = await res.body.text();
  if (res.statusCode !== 200 || !text.startsWith('{"method"')) return { status: res.statusCode, text, got: undefined };
  const raw = JSON.parse(text) as Omit<Received, 'path' | 'query'>;
  const url = new URL(raw.url, 'http://x');
  return { status: res.statusCode, text, got: { ...raw, path: url.pathname, query: url.searchParams } };
}

export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

export const BOUNDARY = 'XyZ-boundary-123';

export function multipart(fields: Record<string, string>, boundary = BOUNDARY): string {
  let out = '';
  for (const [k, v] of Object.entries(fields)) out += `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  return `${out}--${boundary}--\r\n`;
}

/** The fields of a multipart body: name → values in order. */
export function multipartFields(body: string, boundary = BOUNDARY): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of body.split(`--${boundary}`).slice(1, -1)) {
    const m = /name="([^"]*)"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*)\r\n$/.exec(part);
    if (m) (out[m[1]!] ??= []).push(m[2]!);
  }
  return out;
}

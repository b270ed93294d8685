/**
 * Kong's router specs as tables run end to end: each case's routes become a kong.yaml (route `i` is named
 * `r<i>`, 1-based as the spec's `use_case[i]`), a real gateway serves it, and each probe is a real request. A
 * global plugin answers with the route that matched and its regex captures (`kong.router`); with
 * `upstream: true` the request goes to a real upstream instead, which reports the path it received.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { writePlugins } from '../helpers/plugins.ts';
import { startTestGateway, startUpstream, type Echo } from '../helpers/servers.ts';

const PLUGINS_PATH = writePlugins([{
  name: 'route-probe',
  handler: `export default { version: '1.0.0', priority: 1, access(kong) {
    kong.response.exit(200, { route: kong.router.getRoute()?.name ?? null, captures: kong.router.getCaptures() });
  } };\n`,
}]);

/** What Kong's `kong.request.get_uri_captures()` gives: unnamed by position (0 is the whole match), named. */
export interface ProbeCaptures {
  readonly unnamed: readonly (string | null)[];
  readonly named: Readonly<Record<string, string>>;
}

/** A route's fields; `servicePath` / `serviceEnabled` give the route a service of its own with that path / state. */
export type KongRoute = Readonly<Record<string, unknown>> & { readonly serviceless?: boolean; readonly servicePath?: string; readonly serviceEnabled?: boolean };

export interface Probe {
  readonly method?: string;
  readonly path?: string;
  /** The Host header (default `domain.org`). */
  readonly host?: string;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Sent over TLS with this SNI. */
  readonly sni?: string;
  /** 1-based index of the route that must answer, or null for Kong's 404. */
  readonly expect: number | null;
  /** Another status than 200 (a match) or 404 (none), e.g. nginx's 405 for TRACE. */
  readonly status?: number;
  /** The captures the route's regex gives (null: none). */
  readonly captures?: ProbeCaptures | null;
  /** With `upstream`: the path (and query) the upstream must receive. */
  readonly upstreamPath?: string;
  /** With `upstream`: the Host header the upstream must receive (`service`: the service's host and port). */
  readonly upstreamHost?: string;
  /** With `upstream`: other request headers the upstream must receive. */
  readonly upstreamHeaders?: Readonly<Record<string, string>>;
  readonly note?: string;
}

export interface RouterCase {
  /** `spec/...lua:line`. */
  readonly src: string;
  readonly title: string;
  readonly routes: readonly KongRoute[];
  readonly probes: readonly Probe[];
  readonly upstream?: boolean;
  readonly skip?: string;
  readonly todo?: string;
}

const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');

function kongYaml(c: RouterCase, upstreamPort: number): string {
  const services: Record<string, unknown>[] = [{ name: 's', url: `http://127.0.0.1:${upstreamPort}` }];
  const routes = c.routes.map((r, i) => {
    const { serviceless, servicePath, serviceEnabled, ...fields } = r;
    let service: string | undefined = 's';
    if (servicePath !== undefined || serviceEnabled !== undefined) {
      service = `s${i + 1}`;
      services.push({ name: service, url: `http://127.0.0.1:${upstreamPort}${servicePath ?? ''}`, ...(serviceEnabled === undefined ? {} : { enabled: serviceEnabled }) });
    }
    // Upstream mode: the upstream tells the routes apart by a header each route adds.
    const plugins = c.upstream ? [{ name: 'request-transformer', config: { add: { headers: [`x-route:r${i + 1}`] } } }] : undefined;
    return { name: `r${i + 1}`, ...fields, ...(serviceless ? {} : { service }), ...(plugins ? { plugins } : {}) };
  });
  const doc: Record<string, unknown> = { _format_version: '3.0', services, routes };
  if (!c.upstream) doc.plugins = [{ name: 'route-probe' }];
  if (c.probes.some((p) => p.sni !== undefined)) doc.certificates = [{ cert: fixture('rsa.crt'), key: fixture('rsa.key') }];
  // JSON is YAML.
  return JSON.stringify(doc, null, 1);
}

/**
 * node's client: the path goes out as written (`/request?` keeps its `?`), repeated headers as repeated lines, and
 * the TLS server name apart from the Host header (undici derives one from the other).
 */
function send(port: number, servername: string | undefined, method: string, path: string, headers: Record<string, string | string[]>): Promise<{ statusCode: number; text: string }> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, method, path, headers, agent: false };
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    };
    const req = servername === undefined ? httpRequest(options, onResponse) : httpsRequest({ ...options, servername, rejectUnauthorized: false }, onResponse);
    req.on('error', reject);
    req.end();
  });
}

export function routerTable(cases: readonly RouterCase[]): void {
  for (const c of cases) {
    const options = c.skip ? { skip: c.skip } : c.todo ? { todo: c.todo } : {};
    test(`${c.src} ${c.title}`, options, async () => {
      const upstream = await startUpstream();
      const tls = c.probes.some((p) => p.sni !== undefined);
      const gw = await startTestGateway(kongYaml(c, upstream.port), {
        plugins: ['bundled', 'route-probe'], pluginsPath: [PLUGINS_PATH],
        ...(tls ? { proxyListen: ['127.0.0.1:0', '127.0.0.1:0 ssl'] } : {}),
      });
      try {
        for (const [i, p] of c.probes.entries()) {
          const label = `probe ${i + 1}: ${p.method ?? 'GET'} ${p.host ?? 'domain.org'}${p.path ?? '/'} ${JSON.stringify(p.headers ?? {})}${p.sni ? ` sni ${p.sni}` : ''}${p.note ? ` (${p.note})` : ''}`;
          const headers = { host: p.host ?? 'domain.org', ...(p.headers as Record<string, string | string[]>) };
          const res = await send(p.sni === undefined ? gw.port : gw.gateway.listeners[1]!.port, p.sni, p.method ?? 'GET', p.path ?? '/', headers);
          const text = res.text;
          if (p.status !== undefined) {
            assert.equal(res.statusCode, p.status, `${label}: ${text}`);
            continue;
          }
          if (p.expect === null) {
            assert.equal(res.statusCode, 404, `${label}: expected no match, got ${text}`);
            continue;
          }
          assert.equal(res.statusCode, 200, `${label}: ${text}`);
          const body = JSON.parse(text) as { route?: string; captures?: ProbeCaptures | null } & Partial<Echo>;
          if (c.upstream) {
            assert.equal(body.headers?.['x-route'], `r${p.expect}`, label);
            if (p.upstreamPath !== undefined) assert.equal(body.url, p.upstreamPath, label);
            for (const [name, value] of Object.entries(p.upstreamHeaders ?? {})) assert.equal(body.headers?.[name], value, `${label}: ${name}`);
            if (p.upstreamHost !== undefined) assert.equal(body.headers?.host, p.upstreamHost === 'service' ? `127.0.0.1:${upstream.port}` : p.upstreamHost, label);
          } else {
            assert.equal(body.route, `r${p.expect}`, label);
            if (p.captures !== undefined) assert.deepEqual(body.captures, p.captures, `${label}: captures`);
          }
        }
      } finally {
        await gw.stop();
        await upstream.close();
      }
    });
  }
}

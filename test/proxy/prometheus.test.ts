// prometheus end to end: Kong's spec cases (spec/03-plugins/26-prometheus/*) against a real gateway, upstream and
// client, scraping the admin API's /metrics (where Kong's status-API cases apply to it too). Each gateway here
// starts, runs its cases and stops before the next: the exporter's state is the process's, as Kong's is the node's;
// names differ between groups because series outlive a gateway, as Kong's outlive a config.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { loadConfigText } from '../../src/declarative/load-config.ts';
import { BUNDLED_CATALOG } from '../../src/plugins/registry.ts';
import { recordingLogger, startTestGateway, startUpstream, type TestGateway } from '../helpers/servers.ts';
import { promtool } from '../helpers/promtool.ts';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
// Kong's mock upstream: /status/<code> answers that code.
const upstream = await startUpstream((req, res) => {
  const code = Number(/^\/(?:[^/]+\/)?status\/(\d{3})/.exec(req.url ?? '')?.[1] ?? 200);
  res.writeHead(code, { 'content-type': 'text/plain' });
  res.end(`status ${code}`);
});
const closedPort = await (async () => {
  const u = await startUpstream();
  await u.close();
  return u.port;
})();
after(() => upstream.close());

async function scrape(gw: TestGateway): Promise<string> {
  const res = await request(`${gw.admin}/metrics`);
  assert.equal(res.statusCode, 200);
  return res.body.text();
}

/** `name{labels}` → value, for every sample line. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function get(gw: TestGateway, path: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await request(`${gw.url}${path}`, { headers });
  await res.body.dump();
  return res.statusCode;
}

/** Scrapes until `ok` holds (the log phase runs once the answer is out; probes run on their interval). */
async function scrapeUntil(gw: TestGateway, ok: (text: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = await scrape(gw);
    if (ok(text)) return text;
    if (Date.now() > deadline) assert.fail(`never scraped ${what}:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const requests = (service: string, route: string, code: number, source: string, consumer = '') =>
  `kong_http_requests_total{service="${service}",route="${route}",code="${code}",source="${source}",workspace="default",consumer="${consumer}"}`;
const health = (up: string, target: string, address: string, state: string) =>
  `kong_upstream_target_health{upstream="${up}",target="${target}",address="${address}",state="${state}",subsystem="http"}`;

// ---- Kong's 02-access_spec.lua:9 / 04-status_api_spec.lua:6 set-up: all four switches on, globally.

const ALL = '{ status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true }';
const mainConfig = (withDeletable: boolean) => `_format_version: "3.0"
consumers:
- { username: alice, keyauth_credentials: [{ key: alice-key }] }
upstreams:
${withDeletable ? `- name: mock-upstream-healthchecksoff
  targets: [{ target: "127.0.0.1:${upstream.port}", weight: 1000 }]
` : ''}- name: mock-upstream
  healthchecks:
    active:
      http_path: /status/200
      timeout: 1
      healthy: { interval: 0.1, successes: 2, http_statuses: [200, 302] }
      unhealthy: { interval: 0.1, http_failures: 1, tcp_failures: 1, timeouts: 1 }
    passive:
      unhealthy: { http_failures: 1, tcp_failures: 1, timeouts: 1, http_statuses: [429, 500, 503] }
  targets:
  - { target: "127.0.0.1:${upstream.port}", weight: 1000 }
  - { target: "127.0.0.1:${closedPort}", weight: 1 }
${withDeletable ? '  - { target: "some-random-dns:80", weight: 1 }\n' : ''}- name: passive-upstream
  healthchecks:
    passive:
      unhealthy: { http_statuses: [500], http_failures: 1 }
  targets:
  - { target: "127.0.0.1:${upstream.port}" }
services:
- name: mock-service
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: http-route, paths: [/status], strip_path: false }
  - { name: bw-route, paths: [/bw], strip_path: false }
  - { name: auth-route, paths: [/auth], plugins: [{ name: key-auth }] }
- { name: failing-service, host: passive-upstream, retries: 0, routes: [{ name: failing-route, paths: [/failing] }] }
routes:
- name: serverless
  paths: [/serverless]
  plugins: [{ name: request-termination, config: { status_code: 200, message: terminated, echo: true } }]
plugins:
- name: prometheus
  config: ${ALL}
`;

const logged = recordingLogger('info');
const gw = await startTestGateway(mainConfig(true), {}, logged.log);

test('spec/03-plugins/26-prometheus/01-api_spec.lua:60 prometheus plugin can be configured (Kong\'s defaults filled)', async () => {
  const res = await request(`${gw.admin}/plugins`);
  const body = (await res.body.json()) as { data: { name: string; config: Record<string, unknown> }[] };
  const p = body.data.find((x) => x.name === 'prometheus');
  assert.deepEqual(p?.config, { per_consumer: false, status_code_metrics: true, ai_metrics: false, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true, wasm_metrics: false });
});

test('spec/03-plugins/26-prometheus/02-access_spec.lua:108 increments the count for proxied requests', async () => {
  assert.equal(await get(gw, '/status/200'), 200);
  let text = await scrapeUntil(gw, (t) => samples(t).get(requests('mock-service', 'http-route', 200, 'service')) === 1, 'the 200');
  assert.equal(samples(text).get('kong_nginx_metric_errors_total'), 0);
  assert.equal(await get(gw, '/status/400'), 400);
  text = await scrapeUntil(gw, (t) => samples(t).get(requests('mock-service', 'http-route', 400, 'service')) === 1, 'the 400');
  assert.equal(samples(text).get(requests('mock-service', 'http-route', 200, 'service')), 1);
});

test('spec/03-plugins/26-prometheus/04-status_api_spec.lua:195 latency histograms and bandwidth for proxied requests', async () => {
  for (let i = 0; i < 3; i++) assert.equal(await get(gw, '/status/200'), 200);
  const labels = 'service="mock-service",route="http-route",workspace="default"';
  const text = await scrapeUntil(gw, (t) => (samples(t).get(`kong_request_latency_ms_count{${labels}}`) ?? 0) >= 5, 'five requests');
  const s = samples(text);
  for (const family of ['kong_kong_latency_ms', 'kong_upstream_latency_ms', 'kong_request_latency_ms']) {
    const count = s.get(`${family}_count{${labels}}`);
    assert.equal(count, 5, family);
    assert.equal(s.get(`${family}_bucket{${labels},le="+Inf"}`), count, family);
    // Cumulative: never decreasing up to +Inf.
    const buckets = [...s].filter(([k]) => k.startsWith(`${family}_bucket{${labels},`)).map(([, v]) => v);
    assert.ok(buckets.every((v, i) => i === 0 || v >= buckets[i - 1]!), family);
    assert.ok((s.get(`${family}_sum{${labels}}`) ?? -1) >= 0, family);
  }
  // Kong's bounds.
  assert.ok(s.has(`kong_kong_latency_ms_bucket{${labels},le="6000"}`));
  assert.ok(s.has(`kong_upstream_latency_ms_bucket{${labels},le="60000"}`));
  assert.ok(s.has(`kong_request_latency_ms_bucket{${labels},le="25"}`));
  assert.ok((s.get('kong_bandwidth_bytes{service="mock-service",route="http-route",direction="ingress",workspace="default",consumer=""}') ?? 0) > 0);
  assert.ok((s.get('kong_bandwidth_bytes{service="mock-service",route="http-route",direction="egress",workspace="default",consumer=""}') ?? 0) > 0);
});

test('bandwidth: ingress is the request as sent (line, headers, body), egress every byte of the answer (nginx\'s $request_length, $bytes_sent)', async () => {
  const sent = 'POST /bw/status/201 HTTP/1.1\r\nHost: example.test\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello';
  const received = await new Promise<number>((resolve, reject) => {
    const socket = connect(gw.port, '127.0.0.1', () => socket.write(sent));
    let bytes = 0;
    socket.on('data', (d: Buffer) => (bytes += d.length));
    socket.on('end', () => resolve(bytes));
    socket.on('error', reject);
  });
  const bw = (direction: string) => `kong_bandwidth_bytes{service="mock-service",route="bw-route",direction="${direction}",workspace="default",consumer=""}`;
  const s = samples(await scrapeUntil(gw, (t) => samples(t).has(bw('egress')), 'the bandwidth'));
  assert.equal(s.get(bw('ingress')), Buffer.byteLength(sent));
  assert.equal(s.get(bw('egress')), received);
  assert.equal(s.get(requests('mock-service', 'bw-route', 201, 'service')), 1);
});

test('spec/03-plugins/26-prometheus/02-access_spec.lua:225 does not log error if no service was matched (and counts nothing)', async () => {
  const before = (await scrape(gw)).split('\n').filter((l) => l.startsWith('kong_http_requests_total')).join('\n');
  assert.equal(await get(gw, '/no-route-match-in-kong'), 404);
  // A request the log phase counts afterwards, so that the 404's log phase has surely run too.
  assert.equal(await get(gw, '/status/204'), 204);
  const text = await scrapeUntil(gw, (t) => samples(t).has(requests('mock-service', 'http-route', 204, 'service')), 'the 204');
  const now = text.split('\n').filter((l) => l.startsWith('kong_http_requests_total') && !l.includes('code="204"')).join('\n');
  assert.equal(now, before);
  assert.ok(!text.includes('code="404"'));
  assert.deepEqual(logged.lines.filter((l) => (l.level as number) >= 50), []);
});

test('spec/03-plugins/26-prometheus/02-access_spec.lua:239 / 04-status_api_spec.lua:280 does not log error during a scrape', async () => {
  const before = logged.lines.length;
  await scrape(gw);
  assert.deepEqual(logged.lines.slice(before).filter((l) => (l.level as number) >= 40), []);
});

test('spec/03-plugins/26-prometheus/02-access_spec.lua:255 / 04-status_api_spec.lua:290 scrape response has metrics and comments only (here: kong_ and the gateway\'s own gateway_ families)', async () => {
  const text = await scrape(gw);
  for (const line of text.split('\n').filter(Boolean)) assert.match(line, /^(#|kong_|gateway_)/);
  assert.ok(text.includes('kong_nginx_metric_errors_total 0'));
});

test('the whole scrape is valid exposition text (promtool check metrics: no parse error, only its naming advice on Kong\'s names)', async (t) => {
  const result = await promtool(await scrape(gw));
  if (result === undefined) return t.skip('promtool is not installed (CI installs it: apt-get install prometheus)');
  assert.deepEqual(result.parseErrors, [], result.output);
  for (const lint of result.lints) assert.match(lint, /^kong_\w+ (counter metrics should have "_total" suffix|metric names should not contain abbreviated units|non-counter metrics should not have "_total" suffix)$/);
});

test('spec/03-plugins/26-prometheus/02-access_spec.lua:269 / 04-status_api_spec.lua:298 exposes db reachability metrics (1 in DB-less, as Kong reports)', async () => {
  assert.equal(samples(await scrape(gw)).get('kong_datastore_reachable'), 1);
});

test('spec/03-plugins/26-prometheus/04-status_api_spec.lua:303 exposes nginx timer metrics (Node\'s timers)', async () => {
  const text = await scrape(gw);
  assert.match(text, /^kong_nginx_timers\{state="running"\} \d+$/m);
  assert.match(text, /^kong_nginx_timers\{state="pending"\} \d+$/m);
});

test('spec/03-plugins/26-prometheus/02-access_spec.lua:280,353 / 04-status_api_spec.lua:410 worker VM stats (http subsystem only) and node info', async () => {
  const text = await scrape(gw);
  assert.match(text, new RegExp(`^kong_memory_workers_lua_vms_bytes\\{node_id="${UUID}",pid="${process.pid}",kong_subsystem="http"\\} \\d+$`, 'm'));
  assert.ok(!text.includes('kong_subsystem="stream"'));
  assert.match(text, new RegExp(`^kong_node_info\\{node_id="${UUID}",version="\\S+"\\} 1$`, 'm'));
  assert.equal(samples(text).get('kong_nginx_metric_errors_total'), 0);
});

test('spec/03-plugins/26-prometheus/05-metrics_spec.lua:133 / 07-optional_fields_spec.lua:13 nginx connection metrics, every state', async () => {
  const text = await scrape(gw);
  for (const state of ['accepted', 'active', 'handled', 'reading', 'total', 'waiting', 'writing']) {
    assert.match(text, new RegExp(`^kong_nginx_connections_total\\{node_id="${UUID}",subsystem="http",state="${state}"\\} \\d+$`, 'm'), state);
  }
  const s = samples(text);
  const conn = (state: string) => s.get([...s.keys()].find((k) => k.startsWith('kong_nginx_connections_total') && k.includes(`state="${state}"`))!)!;
  assert.ok(conn('accepted') >= 1);
  assert.ok(conn('total') >= 8, 'the requests so far');
  assert.equal(s.get([...s.keys()].find((k) => k.startsWith('kong_nginx_requests_total{'))!), conn('total'));
});

test('spec/03-plugins/26-prometheus/05-metrics_spec.lua:182 expose metrics in no service route (source kong)', async () => {
  assert.equal(await get(gw, '/serverless'), 200);
  await scrapeUntil(gw, (t) => samples(t).get(requests('', 'serverless', 200, 'kong')) === 1, 'the serverless route');
});

test('spec/03-plugins/26-prometheus/02-access_spec.lua:309 does not expose per consumer metrics by default (an authenticated request has consumer="")', async () => {
  assert.equal(await get(gw, '/auth/status/200', { apikey: 'alice-key' }), 200);
  const text = await scrapeUntil(gw, (t) => samples(t).get(requests('mock-service', 'auth-route', 200, 'service')) === 1, 'the authenticated request');
  assert.ok(!text.includes('consumer="alice"'));
  assert.ok(!text.includes('http_consumer_status'));
});

test('spec/03-plugins/26-prometheus/02-access_spec.lua:749 no AI metrics (the AI plugins are not in this gateway)', async () => {
  const text = await scrape(gw);
  for (const family of ['ai_llm_requests_total', 'ai_llm_cost_total', 'ai_llm_tokens_total', 'ai_llm_provider_latency_ms_bucket']) assert.ok(!text.includes(family), family);
});

test("spec/03-plugins/26-prometheus/04-status_api_spec.lua:309 upstream's target health - healthchecks-off", async () => {
  const target = `127.0.0.1:${upstream.port}`;
  const text = await scrapeUntil(gw, (t) => samples(t).get(health('mock-upstream-healthchecksoff', target, target, 'healthchecks_off')) === 1, 'healthchecks_off');
  const s = samples(text);
  for (const state of ['healthy', 'unhealthy', 'dns_error']) assert.equal(s.get(health('mock-upstream-healthchecksoff', target, target, state)), 0, state);
});

test("spec/03-plugins/26-prometheus/04-status_api_spec.lua:320 upstream's target health - healthy", async () => {
  const target = `127.0.0.1:${upstream.port}`;
  const text = await scrapeUntil(gw, (t) => samples(t).get(health('mock-upstream', target, target, 'healthy')) === 1, 'healthy');
  const s = samples(text);
  for (const state of ['healthchecks_off', 'unhealthy', 'dns_error']) assert.equal(s.get(health('mock-upstream', target, target, state)), 0, state);
});

test("spec/03-plugins/26-prometheus/04-status_api_spec.lua:331 upstream's target health - unhealthy (nothing listens: the probes fail)", async () => {
  const target = `127.0.0.1:${closedPort}`;
  const text = await scrapeUntil(gw, (t) => samples(t).get(health('mock-upstream', target, target, 'unhealthy')) === 1, 'unhealthy');
  const s = samples(text);
  for (const state of ['healthchecks_off', 'healthy', 'dns_error']) assert.equal(s.get(health('mock-upstream', target, target, state)), 0, state);
});

test("spec/03-plugins/26-prometheus/04-status_api_spec.lua:342 upstream's target health - dns_error", async () => {
  const text = await scrapeUntil(gw, (t) => samples(t).get(health('mock-upstream', 'some-random-dns:80', '', 'dns_error')) === 1, 'dns_error');
  const s = samples(text);
  for (const state of ['healthchecks_off', 'healthy', 'unhealthy']) assert.equal(s.get(health('mock-upstream', 'some-random-dns:80', '', state)), 0, state);
});

test('target health after a failing target: passive checks turn it unhealthy on a proxied 500', async () => {
  const target = `127.0.0.1:${upstream.port}`;
  assert.equal(samples(await scrape(gw)).get(health('passive-upstream', target, target, 'healthy')), 1);
  assert.equal(await get(gw, '/failing/status/500'), 500);
  await scrapeUntil(gw, (t) => samples(t).get(health('passive-upstream', target, target, 'unhealthy')) === 1, 'the passive failure');
});

test('spec/03-plugins/26-prometheus/04-status_api_spec.lua:380,395 removes metrics of deleted upstreams and targets (a reload without them)', async () => {
  writeFileSync(gw.file, mainConfig(false));
  assert.equal((await gw.gateway.reload('test')).result, 'applied');
  const text = await scrape(gw);
  assert.ok(!text.includes('upstream="mock-upstream-healthchecksoff"'));
  assert.ok(!text.includes('target="some-random-dns:80"'));
  assert.ok(text.includes(`upstream="mock-upstream",target="127.0.0.1:${upstream.port}"`));
  // The counters outlive the config, as Kong's shared dict does.
  assert.equal(samples(text).get(requests('mock-service', 'http-route', 400, 'service')), 1);
  await gw.stop();
});

// ---- Kong's 02-access_spec.lua:380 set-up: per-consumer metrics, key-auth on the route.

test('spec/03-plugins/26-prometheus/02-access_spec.lua:447,491 per-consumer metrics: the username when authenticated, "" when not; label values escaped', async (t) => {
  const warned = recordingLogger('warn');
  const pc = await startTestGateway(`_format_version: "3.0"
consumers:
- { username: alice, keyauth_credentials: [{ key: alice-key }] }
- { username: "q\\"uo\\\\te\\nline", keyauth_credentials: [{ key: odd-key }] }
services:
- name: pc-service
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: pc-route, paths: [/], strip_path: false, plugins: [{ name: key-auth }] }
plugins:
- name: prometheus
  config: { per_consumer: true, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true, ai_metrics: true }
`, {}, warned.log);
  try {
    assert.equal(await get(pc, '/status/200', { apikey: 'alice-key' }), 200);
    await scrapeUntil(pc, (t) => samples(t).get(requests('pc-service', 'pc-route', 200, 'service', 'alice')) === 1, "alice's 200");
    assert.equal(await get(pc, '/status/400', { apikey: 'alice-key' }), 400);
    await scrapeUntil(pc, (t) => samples(t).get(requests('pc-service', 'pc-route', 400, 'service', 'alice')) === 1, "alice's 400");
    // 02-access_spec.lua:491: no key, no consumer: Kong's 401, counted without one.
    assert.equal(await get(pc, '/status/200'), 401);
    let text = await scrapeUntil(pc, (t) => samples(t).get(requests('pc-service', 'pc-route', 401, 'kong')) === 1, 'the 401');
    assert.equal(samples(text).get(requests('pc-service', 'pc-route', 200, 'service', 'alice')), 1);
    assert.ok((samples(text).get('kong_bandwidth_bytes{service="pc-service",route="pc-route",direction="egress",workspace="default",consumer="alice"}') ?? 0) > 0);
    // A username is user data: `"`, `\` and the newline escaped.
    assert.equal(await get(pc, '/status/200', { apikey: 'odd-key' }), 200);
    const escaped = 'q\\"uo\\\\te\\nline';
    text = await scrapeUntil(pc, (t) => samples(t).get(requests('pc-service', 'pc-route', 200, 'service', escaped)) === 1, 'the escaped consumer');
    const result = await promtool(text);
    if (result) assert.deepEqual(result.parseErrors, [], result.output);
    else t.diagnostic('promtool is not installed: the escaped text was not parsed (CI installs it: apt-get install prometheus)');
    // ai_metrics is accepted as Kong accepts it, with a warning naming it.
    const warning = warned.lines.find((l) => typeof l.msg === 'string' && l.msg.includes('plugins[0].config.ai_metrics'));
    assert.ok(warning, JSON.stringify(warned.lines));
    assert.match(String(warning.msg), /ai_metrics has no effect here/);
  } finally {
    await pc.stop();
  }
});

test('ai_metrics and wasm_metrics validate with a warning each, naming the field; off, no warning', () => {
  const text = (config: string) => `_format_version: "3.0"\nplugins:\n- name: prometheus\n  config: ${config}\n`;
  const on = loadConfigText(text('{ ai_metrics: true, wasm_metrics: true }'), 'kong.yaml', { plugins: BUNDLED_CATALOG });
  assert.ok(on.config);
  assert.deepEqual(on.issues.map((i) => [i.severity, i.path, i.message.split(':')[0]]), [
    ['warning', 'plugins[0].config.ai_metrics', 'ai_metrics has no effect here'],
    ['warning', 'plugins[0].config.wasm_metrics', 'wasm_metrics has no effect here'],
  ]);
  const off = loadConfigText(text('{ ai_metrics: false }'), 'kong.yaml', { plugins: BUNDLED_CATALOG });
  assert.deepEqual(off.issues, []);
});

// ---- Kong's 05-metrics_spec.lua:28 set-up: an https route, prometheus global.

test('spec/03-plugins/26-prometheus/05-metrics_spec.lua:144 increments the count of proxied requests (over TLS)', async () => {
  const fixture = (name: string) => JSON.stringify(readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8'));
  const tls = await startTestGateway(`_format_version: "3.0"
certificates:
- { cert: ${fixture('rsa.crt')}, key: ${fixture('rsa.key')}, snis: [mock.example.com] }
services:
- name: mock-ssl-service
  url: http://127.0.0.1:${upstream.port}
  routes: [{ name: mock-ssl-route, protocols: [https], hosts: [mock.example.com], paths: [/], strip_path: false }]
plugins:
- name: prometheus
  config: ${ALL}
`, { proxyListen: ['127.0.0.1:0 ssl'] });
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false, servername: 'mock.example.com' } });
  try {
    const res = await request(`https://127.0.0.1:${tls.port}/status/400`, { headers: { host: 'mock.example.com' }, dispatcher });
    await res.body.dump();
    assert.equal(res.statusCode, 400);
    const text = await scrapeUntil(tls, (t) => samples(t).get(requests('mock-ssl-service', 'mock-ssl-route', 400, 'service')) === 1, 'the 400 over TLS');
    assert.equal(samples(text).get('kong_nginx_metric_errors_total'), 0);
    assert.ok((samples(text).get('kong_bandwidth_bytes{service="mock-ssl-service",route="mock-ssl-route",direction="egress",workspace="default",consumer=""}') ?? 0) > 0);
  } finally {
    await dispatcher.close();
    await tls.stop();
  }
});

// ---- Kong's 02-access_spec.lua:517 / 04-status_api_spec.lua:431: each switch alone exports its family only.

const granular: Record<string, string> = {
  status_code_metrics: 'http_requests_total',
  latency_metrics: 'kong_latency_ms',
  bandwidth_metrics: 'bandwidth_bytes',
  upstream_health_metrics: 'upstream_target_health',
};

for (const [switchName, expected] of Object.entries(granular)) {
  test(`spec/03-plugins/26-prometheus/02-access_spec.lua:586,611 granular switch ${switchName}: ${expected} is found, the others are not`, async () => {
    const name = `g-${switchName}`;
    const g = await startTestGateway(`_format_version: "3.0"
upstreams:
- name: ${name}-healthchecksoff
  targets: [{ target: "127.0.0.1:${upstream.port}", weight: 1000 }]
services:
- name: ${name}
  url: http://127.0.0.1:${upstream.port}
  routes: [{ name: ${name}, paths: [/], strip_path: false }]
plugins:
- name: prometheus
  config: { ${switchName}: true }
`);
    try {
      assert.equal(await get(g, '/status/200'), 200);
      const text = await scrapeUntil(g, (t) => t.includes(expected), expected);
      assert.equal(samples(text).get('kong_nginx_metric_errors_total'), 0);
      for (const [other, pattern] of Object.entries(granular)) if (other !== switchName) assert.ok(!text.includes(pattern), `${pattern} with only ${switchName}`);
    } finally {
      await g.stop();
    }
  });
}

// ---- Kong's 07-optional_fields_spec.lua:33: fewer metrics once prometheus is disabled or removed.

for (const method of ['disabling', 'removing'] as const) {
  test(`spec/03-plugins/26-prometheus/07-optional_fields_spec.lua:122 less metrics when ${method} prometheus`, async () => {
    const name = `opt-${method}`;
    const config = (plugin: string) => `_format_version: "3.0"
upstreams:
- name: ${name}-upstream
  algorithm: least-connections
  targets: [{ target: "127.0.0.1:${upstream.port}", weight: 100 }]
services:
- name: ${name}
  host: ${name}-upstream
  routes: [{ name: ${name}, hosts: [mock], paths: [/] }]
${plugin}`;
    const g = await startTestGateway(config(`plugins:\n- name: prometheus\n  config: ${ALL}\n`));
    try {
      assert.equal(await get(g, '/', { host: 'mock' }), 200);
      const highCost = ['kong_http_requests_total', 'kong_kong_latency_ms', 'kong_upstream_latency_ms', 'kong_request_latency_ms', 'kong_bandwidth_bytes'];
      const normal = (text: string) => {
        for (const state of ['accepted', 'active', 'handled', 'reading', 'total', 'waiting', 'writing']) assert.ok(text.includes(`subsystem="http",state="${state}"}`), state);
      };
      let text = await scrapeUntil(g, (t) => highCost.every((f) => t.includes(f)), 'every family');
      normal(text);
      writeFileSync(g.file, config(method === 'disabling' ? `plugins:\n- name: prometheus\n  enabled: false\n  config: ${ALL}\n` : ''));
      assert.equal((await g.gateway.reload('test')).result, 'applied');
      text = await scrape(g);
      normal(text);
      for (const f of [...highCost, 'kong_upstream_target_health', 'kong_nginx_metric_errors_total']) assert.ok(!text.includes(f), f);
    } finally {
      await g.stop();
    }
  });
}

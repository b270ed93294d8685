// The pure parts of the workers: a config in parts and back, and the node's metrics merged from the workers'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../src/declarative/load-config.ts';
import { mergeMetrics } from '../../src/runtime/merge-metrics.ts';
import { joinConfig, splitConfig } from '../../src/runtime/worker-messages.ts';
import { resolveSettings } from '../../src/settings/settings.ts';
import { availableParallelism } from 'node:os';
import { bundledCatalog } from '../helpers/config.ts';

test('a config split in parts (structured clones of each) joins back to the same config', () => {
  const routes = Array.from({ length: 25 }, (_, i) => `  - { name: r${i}, paths: [/r${i}] }`).join('\n');
  const loaded = loadConfigText(`_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:1\n  routes:\n${routes}\n`, 'kong.yaml', { plugins: bundledCatalog });
  const config = loaded.config!;
  const parts = splitConfig(config, 10);
  assert.equal(parts.filter((p) => p.key === 'routes').length, 3);
  assert.deepEqual(joinConfig(parts.map((p) => structuredClone(p))), structuredClone(config));
});

test('merged metrics: counters and histograms add up, per-worker gauges add up, node-wide gauges are taken once', () => {
  const worker = (requests: number, active: number) => [
    '# HELP kong_datastore_reachable Datastore reachable from Kong, 0 is unreachable',
    '# TYPE kong_datastore_reachable gauge',
    'kong_datastore_reachable 1',
    '# HELP kong_http_requests_total HTTP status codes per consumer/service/route in Kong',
    '# TYPE kong_http_requests_total counter',
    `kong_http_requests_total{service="s",route="r",code="200",source="service",workspace="default",consumer=""} ${requests}`,
    '# HELP kong_latency_ms Latency',
    '# TYPE kong_latency_ms histogram',
    `kong_latency_ms_bucket{le="+Inf"} ${requests}`,
    `kong_latency_ms_count ${requests}`,
    `kong_latency_ms_sum ${requests * 2}`,
    '# HELP kong_nginx_connections_total Number of connections by subsystem',
    '# TYPE kong_nginx_connections_total gauge',
    `kong_nginx_connections_total{state="active"} ${active}`,
    '',
  ].join('\n');
  assert.equal(mergeMetrics([worker(3, 1), worker(4, 2)]), [
    '# HELP kong_datastore_reachable Datastore reachable from Kong, 0 is unreachable',
    '# TYPE kong_datastore_reachable gauge',
    'kong_datastore_reachable 1',
    '# HELP kong_http_requests_total HTTP status codes per consumer/service/route in Kong',
    '# TYPE kong_http_requests_total counter',
    'kong_http_requests_total{service="s",route="r",code="200",source="service",workspace="default",consumer=""} 7',
    '# HELP kong_latency_ms Latency',
    '# TYPE kong_latency_ms histogram',
    'kong_latency_ms_bucket{le="+Inf"} 7',
    'kong_latency_ms_count 7',
    'kong_latency_ms_sum 14',
    '# HELP kong_nginx_connections_total Number of connections by subsystem',
    '# TYPE kong_nginx_connections_total gauge',
    'kong_nginx_connections_total{state="active"} 3',
    '',
  ].join('\n'));
  assert.equal(mergeMetrics([]), '');
});

test('--workers: a count or auto (one per core, the default, as Kong); GATEWAY_WORKERS over KONG_NGINX_WORKER_PROCESSES', () => {
  assert.equal(resolveSettings({}, {}).workers, availableParallelism());
  assert.equal(resolveSettings({ workers: '3' }, { GATEWAY_WORKERS: '2' }).workers, 3);
  assert.equal(resolveSettings({}, { GATEWAY_WORKERS: '2', KONG_NGINX_WORKER_PROCESSES: '4' }).workers, 2);
  assert.equal(resolveSettings({}, { KONG_NGINX_WORKER_PROCESSES: '4' }).workers, 4);
  assert.equal(resolveSettings({}, { KONG_NGINX_WORKER_PROCESSES: 'auto' }).workers, availableParallelism());
  for (const bad of ['0', '-1', 'two', '1.5', '2000']) assert.throws(() => resolveSettings({ workers: bad }, {}), /--workers: expected a number of 1 to 1024 or 'auto'/, bad);
});

// prometheus' exposition text and series, without a gateway: label escaping (Kong's 08-unit_spec cases and the
// newline the format requires), histogram buckets at Kong's bounds, text that promtool parses, and the target
// states the health registry reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeLabelValue, formatValue, labelPairs, renderHistogram, renderSimple } from '../../src/plugins/bundled/prometheus/exposition.ts';
import { Histogram, KONG_LATENCY_BUCKETS, UPSTREAM_LATENCY_BUCKETS } from '../../src/plugins/bundled/prometheus/series.ts';
import { loadConfigText } from '../../src/declarative/load-config.ts';
import { BUNDLED_CATALOG } from '../../src/plugins/registry.ts';
import { HealthRegistry, targetHealth } from '../../src/upstream/health.ts';
import { promtool } from '../helpers/promtool.ts';

test('spec/03-plugins/26-prometheus/08-unit_spec.lua:89 full metric names: `\\` and `"` escaped in label values', () => {
  assert.equal(labelPairs(['lua', '2.1']), 'lua="2.1"');
  assert.equal(labelPairs(['path', '\\root']), 'path="\\\\root"');
  assert.equal(labelPairs(['name', '"quote']), 'name="\\"quote"');
});

test('spec/03-plugins/26-prometheus/08-unit_spec.lua:114 emit metric data: counters by their labels', () => {
  const out: string[] = [];
  renderSimple(out, 'kong_user', 'users', 'counter', [{ labels: labelPairs(['name', '"quote']), value: 6 }]);
  renderSimple(out, 'kong_file', 'files', 'counter', [{ labels: labelPairs(['path', '\\root']), value: 3 }]);
  const text = out.join('\n');
  assert.ok(text.includes('kong_user{name="\\"quote"} 6'), text);
  assert.ok(text.includes('kong_file{path="\\\\root"} 3'), text);
});

test('label values: a newline is escaped (the format requires it; Kong leaves it raw), ill-formed UTF-16 is cut as Kong cuts invalid UTF-8', () => {
  assert.equal(escapeLabelValue('a\nb'), 'a\\nb');
  assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  assert.equal(escapeLabelValue('ok\ud800rest'), 'ok');
  assert.equal(escapeLabelValue('\u{1f600} smile'), '\u{1f600} smile');
  assert.equal(escapeLabelValue(''), '');
});

test("histograms: a value on a bound counts in that bucket (Kong's `value <= bound`), above all of them in +Inf only", () => {
  const h = new Histogram(Float64Array.from(KONG_LATENCY_BUCKETS), 'service="s"');
  for (const v of [0, 1, 1.5, 2, 6000, 6001]) h.observe(v);
  assert.equal(h.count, 6);
  assert.equal(h.sum, 0 + 1 + 1.5 + 2 + 6000 + 6001);
  const out: string[] = [];
  renderHistogram(out, 'kong_kong_latency_ms', 'help', [h]);
  const bucket = (le: string) => out.find((l) => l.startsWith(`kong_kong_latency_ms_bucket{service="s",le="${le}"} `))?.split(' ')[1];
  assert.equal(bucket('1'), '2');
  assert.equal(bucket('2'), '4');
  assert.equal(bucket('5'), '4');
  assert.equal(bucket('6000'), '5');
  assert.equal(bucket('+Inf'), '6');
  assert.equal(out.filter((l) => l.includes('_bucket{')).length, KONG_LATENCY_BUCKETS.length + 1);
  assert.ok(out.includes('kong_kong_latency_ms_count{service="s"} 6'));
  assert.ok(out.includes('kong_kong_latency_ms_sum{service="s"} 12005.5'));
});

test('families without samples are left out, as Kong shows only what it has', () => {
  const out: string[] = [];
  renderSimple(out, 'kong_x_total', 'x', 'counter', []);
  renderHistogram(out, 'kong_y_ms', 'y', [new Histogram(Float64Array.from(UPSTREAM_LATENCY_BUCKETS), '')]);
  assert.deepEqual(out, []);
});

test('values: integers plain, floats as JavaScript prints them, infinities as the format spells them', () => {
  assert.equal(formatValue(3), '3');
  assert.equal(formatValue(0.00037), '0.00037');
  assert.equal(formatValue(Infinity), '+Inf');
  assert.equal(formatValue(Number.NaN), 'NaN');
});

test('promtool parses what is rendered, escaped values included', async (t) => {
  const h = new Histogram(Float64Array.from(UPSTREAM_LATENCY_BUCKETS), labelPairs(['service', 'a"b\\c\nd'], ['route', 'r']));
  h.observe(30);
  const out: string[] = [];
  renderSimple(out, 'kong_http_requests_total', 'HTTP status codes', 'counter', [{ labels: labelPairs(['consumer', 'x"y\\z\nw']), value: 1 }]);
  renderHistogram(out, 'kong_upstream_latency_ms', 'Latency', [h]);
  const result = await promtool(`${out.join('\n')}\n`);
  if (result === undefined) return t.skip('promtool is not installed (CI installs it: apt-get install prometheus)');
  assert.deepEqual(result.parseErrors, [], result.output);
});

test("target states as Kong's get_upstream_health: no checks or weight 0 is healthchecks_off, else what the checks say", () => {
  const loaded = loadConfigText(`_format_version: "3.0"
upstreams:
- name: off
  targets: [{ target: "10.0.0.1:80" }]
- name: checked
  healthchecks: { passive: { unhealthy: { http_failures: 1, http_statuses: [500] } } }
  targets: [{ target: "10.0.0.2:80" }, { target: "10.0.0.3:80" }, { target: "10.0.0.4:80", weight: 0 }]
`, 'kong.yaml', { plugins: BUNDLED_CATALOG });
  const config = loaded.config!;
  const health = new HealthRegistry();
  const checked = config.upstreams.find((u) => u.name === 'checked')!;
  health.report(checked, '10.0.0.3:80', checked.healthchecks.passive, { kind: 'status', status: 500 });
  assert.deepEqual(targetHealth(health, config).map((t) => `${t.upstream} ${t.target} ${t.health}`), [
    'off 10.0.0.1:80 healthchecks_off',
    'checked 10.0.0.2:80 healthy',
    'checked 10.0.0.3:80 unhealthy',
    'checked 10.0.0.4:80 healthchecks_off',
  ]);
});

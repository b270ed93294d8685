// The container image's HEALTHCHECK (slim images have no curl): GET /status/ready on the status listener, exit 0
// when it answers 200, 1 otherwise. The address is the one the gateway reads, with the same precedence
// (GATEWAY_STATUS_LISTEN over KONG_STATUS_LISTEN); a wildcard host is asked on loopback. Plain JavaScript with no
// imports of the gateway, so each probe costs a bare Node start.
const listen = process.env.GATEWAY_STATUS_LISTEN || process.env.KONG_STATUS_LISTEN || '';
// Kong's listen syntax: `ADDR:PORT [flags], ...`; the first address is probed.
const first = listen.split(',')[0].trim().split(/\s+/);
const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(first[0] ?? '');
if (!m) {
  console.error(`healthcheck: no status listener to probe (GATEWAY_STATUS_LISTEN / KONG_STATUS_LISTEN is '${listen}')`);
  process.exit(1);
}
const host = m[1] === '0.0.0.0' ? '127.0.0.1' : m[1] === '[::]' ? '[::1]' : m[1];
try {
  const res = await fetch(`http://${host}:${m[2]}/status/ready`, { signal: AbortSignal.timeout(4000) });
  const body = await res.text();
  if (res.status !== 200) console.error(`healthcheck: /status/ready answered ${res.status} ${body}`);
  process.exit(res.status === 200 ? 0 : 1);
} catch (err) {
  console.error(`healthcheck: /status/ready: ${err.cause?.message ?? err.message}`);
  process.exit(1);
}

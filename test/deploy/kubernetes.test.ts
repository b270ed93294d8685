// The Kubernetes manifests, checked by what can run here (no cluster): they parse, their selectors meet, the
// gateway's container names the ports, paths and settings the gateway really has (resolved by its own settings
// code from the manifest's env), the ConfigMap's kong.yml passes the real `gateway validate`, and its
// rate-limiting counts in the Redis the manifests deploy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { parseAllDocuments, parse, stringify } from 'yaml';
import { resolveSettings } from '../../src/settings/settings.ts';
import { isLoopback, KONG_DATABASE, listeners, pendingUntilRead, readsEnv, run } from '../helpers/deploy.ts';
import { envPairs, execForm, parseDockerfile } from '../helpers/dockerfile.ts';
import { startGatewayProcess } from '../helpers/process.ts';
import { startRedis } from '../helpers/redis.ts';
import { startUpstream } from '../helpers/servers.ts';
import { tempDir } from '../helpers/temp.ts';

const root = new URL('../../', import.meta.url).pathname;
const folder = join(root, 'deploy/kubernetes');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };

// Loose shapes of the Kubernetes objects read here: only the fields the checks use.
interface Port { name?: string; containerPort?: number; port?: number; targetPort?: number | string }
interface Probe { httpGet?: { path: string; port: number | string }; tcpSocket?: { port: number | string } }
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  ports?: Port[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: {
    replicas?: number;
    selector?: Record<string, string> & { matchLabels?: Record<string, string> };
    maxUnavailable?: number | string;
    minAvailable?: number | string;
    ports?: Port[];
    template?: {
      metadata: { labels: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds?: number;
        securityContext?: Record<string, unknown>;
        containers: Container[];
        volumes?: { name: string; configMap?: { name: string }; emptyDir?: object }[];
      };
    };
  };
  data?: Record<string, string>;
}

const files = readdirSync(folder).filter((f) => f.endsWith('.yaml')).sort();
const parsed = files.map((file) => ({ file, docs: parseAllDocuments(readFileSync(join(folder, file), 'utf8')) }));
const resources: Resource[] = parsed.filter((p) => p.file !== 'kustomization.yaml').flatMap((p) => p.docs.map((d) => d.toJS() as Resource));
const find = (kind: string, name: string) => {
  const r = resources.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(r, `${kind}/${name}`);
  return r;
};
const gateway = find('Deployment', 'gateway');
const pod = gateway.spec!.template!;
const proxy = pod.spec.containers.find((c) => c.name === 'proxy')!;
const env = Object.fromEntries((proxy.env ?? []).map((e) => [e.name, e.value ?? '']));
const named = (name: number | string) => (typeof name === 'number' ? name : proxy.ports!.find((p) => p.name === name)?.containerPort);
const kongNames = Object.keys(env).filter((k) => k.startsWith('KONG_'));
const pendingSettings = pendingUntilRead(kongNames);
/** The gateway's own reading of the container's settings: its flags (none: the image's command) and env. */
const settings = () => resolveSettings({}, env);

test('every manifest parses; each object names its kind; kustomization.yaml lists every file', () => {
  for (const { file, docs } of parsed) for (const d of docs) assert.deepEqual(d.errors, [], file);
  for (const r of resources) {
    assert.match(r.apiVersion, /^(v1|apps\/v1|policy\/v1)$/);
    assert.ok(r.kind && r.metadata.name, JSON.stringify(r.metadata));
  }
  const kustomization = parse(readFileSync(join(folder, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  assert.deepEqual([...kustomization.resources].sort(), files.filter((f) => f !== 'kustomization.yaml'));
  assert.deepEqual(resources.map((r) => r.kind).sort(), ['ConfigMap', 'Deployment', 'Deployment', 'PodDisruptionBudget', 'Service', 'Service']);
});

test('selectors meet: the Deployment its pods, the proxy Service and the disruption budget the gateway pods, the Redis Service the Redis pod', () => {
  const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  for (const d of resources.filter((r) => r.kind === 'Deployment')) assert.ok(matches(d.spec!.selector!.matchLabels!, d.spec!.template!.metadata.labels), d.metadata.name);
  const redis = find('Deployment', 'gateway-redis');
  const proxyService = find('Service', 'gateway-proxy');
  assert.ok(matches(proxyService.spec!.selector!, pod.metadata.labels));
  assert.ok(!matches(proxyService.spec!.selector!, redis.spec!.template!.metadata.labels), 'the proxy Service does not send to Redis');
  const pdb = find('PodDisruptionBudget', 'gateway');
  assert.ok(matches(pdb.spec!.selector!.matchLabels!, pod.metadata.labels));
  assert.ok(!matches(pdb.spec!.selector!.matchLabels!, redis.spec!.template!.metadata.labels));
  // A budget that lets one go needs more than one replica, or it blocks every drain (Kong's chart refuses that too).
  assert.ok(gateway.spec!.replicas! > 1);
  assert.ok(Number(pdb.spec!.maxUnavailable ?? 0) >= 1 && Number(pdb.spec!.maxUnavailable) < gateway.spec!.replicas!);
  assert.ok(matches(find('Service', 'gateway-redis').spec!.selector!, redis.spec!.template!.metadata.labels));
});

test("the gateway's container runs the image's own command, the image the Dockerfile builds", () => {
  assert.equal(proxy.command, undefined);
  assert.equal(proxy.args, undefined);
  assert.equal(proxy.image, `${pkg.name}:${pkg.version}`);
  // The Dockerfile's user is the base image's `node`, uid 1000: the uid the pod asks for.
  const user = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8')).filter((i) => i.keyword === 'USER').at(-1)!.args;
  assert.equal(user, 'node');
  assert.equal(pod.spec.securityContext!.runAsUser, 1000);
  assert.equal(pod.spec.securityContext!.runAsNonRoot, true);
  const dockerfile = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  assert.deepEqual(execForm(dockerfile.find((i) => i.keyword === 'CMD')!.args), ['start']);
  // The pod listens where the image does (its EXPOSE and HEALTHCHECK hold); only the file's path is the chart's.
  const imageEnv = Object.fromEntries(dockerfile.filter((i) => i.keyword === 'ENV').flatMap((i) => envPairs(i.args)));
  for (const name of Object.keys(imageEnv).filter((n) => n.startsWith('KONG_') && n !== 'KONG_DECLARATIVE_CONFIG')) assert.equal(env[name], imageEnv[name], name);
});

test("env: Kong's KONG_* names, each one the gateway reads; database off", { todo: pendingSettings }, () => {
  assert.equal(env[KONG_DATABASE], 'off');
  for (const name of Object.keys(env)) if (name !== KONG_DATABASE) assert.ok(readsEnv(name), `${name} is a setting`);
});

test("ports: the container's are the ports its settings listen on beyond loopback, named as Kong's chart names them", { todo: pendingSettings }, () => {
  const s = settings();
  const proxyPorts = listeners(s, 'proxyListen');
  const statusPorts = listeners(s, 'statusListen');
  assert.deepEqual(proxy.ports!.find((p) => p.name === 'proxy')!.containerPort, proxyPorts.find((l) => !l.ssl)!.port);
  assert.deepEqual(proxy.ports!.find((p) => p.name === 'proxy-tls')!.containerPort, proxyPorts.find((l) => l.ssl)!.port);
  assert.deepEqual(proxy.ports!.find((p) => p.name === 'status')!.containerPort, statusPorts[0]!.port);
  const open = [...proxyPorts, ...listeners(s, 'adminListen'), ...statusPorts].filter((l) => !isLoopback(l.host)).map((l) => l.port);
  assert.deepEqual(proxy.ports!.map((p) => p.containerPort).sort(), [...new Set(open)].sort());
  // What the Service's ports map to, as X-Forwarded-Port should say them.
  const service = find('Service', 'gateway-proxy');
  const maps = [...s.portMaps].map(([listen, host]) => `${host}:${listen}`).sort();
  assert.deepEqual(maps, service.spec!.ports!.map((p) => `${p.port}:${named(p.targetPort!)}`).sort());
});

test("probes: readiness GET /status/ready and liveness GET /status on the status listener's port", { todo: pendingUntilRead(['KONG_STATUS_LISTEN']) }, () => {
  const status = listeners(settings(), 'statusListen');
  assert.equal(status.length, 1);
  assert.equal(proxy.readinessProbe!.httpGet!.path, '/status/ready');
  assert.equal(proxy.livenessProbe!.httpGet!.path, '/status');
  assert.equal(named(proxy.readinessProbe!.httpGet!.port), status[0]!.port);
  assert.equal(named(proxy.livenessProbe!.httpGet!.port), status[0]!.port);
});

test('the probes name ports the container has, and the Service targets the proxy ports only', () => {
  for (const probe of [proxy.readinessProbe!, proxy.livenessProbe!]) assert.ok(named(probe.httpGet!.port), String(probe.httpGet!.port));
  const service = find('Service', 'gateway-proxy');
  for (const p of service.spec!.ports!) assert.match(String(p.targetPort), /^proxy(-tls)?$/);
  assert.deepEqual(service.spec!.ports!.map((p) => p.name), ['kong-proxy', 'kong-proxy-tls']);
});

test('the config: the ConfigMap mounted as a folder (no subPath, so its updates reach the watcher), at the path the settings read', { todo: pendingUntilRead(['KONG_DECLARATIVE_CONFIG']) }, () => {
  const volume = pod.spec.volumes!.find((v) => v.configMap?.name === 'gateway-config')!;
  const mount = proxy.volumeMounts!.find((m) => m.name === volume.name)!;
  assert.equal(mount.subPath, undefined, 'the kubelet never updates a subPath mount');
  const key = Object.keys(find('ConfigMap', 'gateway-config').data!)[0]!;
  assert.equal(settings().configPath, join(mount.mountPath, key));
  assert.equal(key, 'kong.yml', "Kong's chart's key");
});

test('shutdown: the grace period outlasts the preStop pause and the drain timeout', () => {
  const pause = Number(proxy.lifecycle?.preStop?.exec?.command.at(-1) ?? proxy.lifecycle?.preStop?.sleep?.seconds ?? 0);
  assert.deepEqual(proxy.lifecycle!.preStop!.exec!.command.slice(0, 1), ['sleep']);
  assert.ok(pause > 0);
  assert.ok(pod.spec.terminationGracePeriodSeconds! > pause + settings().drainTimeoutSeconds, `${pod.spec.terminationGracePeriodSeconds} > ${pause} + ${settings().drainTimeoutSeconds}`);
});

test('every container: resources requested and a memory limit, no privilege escalation, a read-only root, no capabilities', () => {
  for (const d of resources.filter((r) => r.kind === 'Deployment')) {
    const spec = d.spec!.template!.spec;
    assert.equal(spec.securityContext!.runAsNonRoot, true, d.metadata.name);
    for (const c of spec.containers) {
      assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory, `${c.name} requests`);
      assert.ok(c.resources?.limits?.memory, `${c.name} memory limit`);
      assert.equal(c.securityContext!.allowPrivilegeEscalation, false);
      assert.equal(c.securityContext!.readOnlyRootFilesystem, true);
      assert.deepEqual(c.securityContext!.capabilities, { drop: ['ALL'] });
    }
  }
  // A read-only root: Node's compile cache writes under /tmp, which is a volume.
  assert.ok(proxy.volumeMounts!.some((m) => m.mountPath === '/tmp'));
});

test("the ConfigMap's kong.yml passes `gateway validate`", async () => {
  const dir = tempDir('k8s');
  const file = join(dir, 'kong.yml');
  writeFileSync(file, find('ConfigMap', 'gateway-config').data!['kong.yml']!);
  const r = await run([process.execPath, join(root, 'bin/gateway.js'), 'validate', file], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /valid \(1 services, 1 routes, 1 plugins\)/);
  assert.equal(r.stderr, '');
});

test("its rate limits count in the Redis the manifests deploy: the plugin's host and port are that Service's", () => {
  const config = parse(find('ConfigMap', 'gateway-config').data!['kong.yml']!) as { plugins: { name: string; config: { policy: string; redis: { host: string; port: number } } }[] };
  const limits = config.plugins.filter((p) => p.name === 'rate-limiting' || p.name === 'response-ratelimiting');
  assert.ok(limits.length > 0);
  const service = find('Service', 'gateway-redis');
  const redis = find('Deployment', 'gateway-redis').spec!.template!.spec.containers[0]!;
  for (const p of limits) {
    assert.equal(p.config.policy, 'redis');
    assert.equal(p.config.redis.host, service.metadata.name);
    const port = service.spec!.ports!.find((x) => x.port === p.config.redis.port);
    assert.ok(port, `the Service has port ${p.config.redis.port}`);
    assert.equal(redis.ports!.find((x) => x.name === port.targetPort)?.containerPort, 6379);
  }
});

test("two replicas serving the ConfigMap's kong.yml share one limit through Redis", async () => {
  const redis = await startRedis();
  const upstream = await startUpstream();
  const config = parse(find('ConfigMap', 'gateway-config').data!['kong.yml']!) as {
    services: { url: string; routes: { paths: string[] }[] }[];
    plugins: { name: string; config: { minute: number; redis: { host: string; port: number } } }[];
  };
  // The cluster's names, moved to this machine: the upstream and the Redis the Service would lead to.
  config.services[0]!.url = `http://127.0.0.1:${upstream.port}`;
  const limit = config.plugins.find((p) => p.name === 'rate-limiting')!.config;
  limit.redis.host = '127.0.0.1';
  limit.redis.port = redis.port;
  const yaml = stringify(config);
  const replicas = [await startGatewayProcess(yaml), await startGatewayProcess(yaml)];
  try {
    const path = config.services[0]!.routes[0]!.paths[0]!;
    const remaining: number[] = [];
    for (const gw of [...replicas, ...replicas]) {
      const res = await request(`http://${gw.address}${path}`);
      assert.equal(res.statusCode, 200);
      await res.body.text();
      remaining.push(Number(res.headers['x-ratelimit-remaining-minute']));
    }
    // One count for the whole Deployment, whichever replica served: each request one less than the one before,
    // whichever replica served it (replicas counting apart would give 599, 599, 598, 598); a minute that turns
    // between two requests starts the count afresh, once.
    assert.equal(remaining[0], limit.minute - 1, `${remaining}`);
    let fresh = 0;
    for (let i = 1; i < remaining.length; i++) {
      if (remaining[i] === remaining[i - 1]! - 1) continue;
      fresh++;
      assert.ok(remaining[i] === limit.minute - 1 && fresh === 1, `counted apart: ${remaining}`);
    }
  } finally {
    for (const gw of replicas) assert.equal(await gw.stop(), 0);
    await upstream.close();
    await redis.close();
  }
});

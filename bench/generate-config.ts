/** Generates a big declarative config for benchmarks: services with routes, consumers with credentials, plugins. */
import { stringify } from 'yaml';

export interface Size {
  readonly services: number;
  readonly consumers: number;
  readonly plugins: number;
}

export function generateConfig(size: Size): Record<string, unknown> {
  const services = Array.from({ length: size.services }, (_, i) => ({
    name: `svc-${i}`,
    url: `http://upstream-${i % 50}.internal:8080/api/${i}`,
    tags: ['bench', `team-${i % 20}`],
    routes: [{ name: `route-${i}`, paths: [`/svc/${i}`], methods: ['GET', 'POST'], strip_path: true }],
  }));
  const consumers = Array.from({ length: size.consumers }, (_, i) => ({
    username: `user-${i}`,
    custom_id: `cid-${i}`,
    keyauth_credentials: [{ key: `key-${i}-0123456789abcdef` }],
    acls: [{ group: `group-${i % 10}` }],
  }));
  const kinds = [
    (i: number) => ({ name: 'rate-limiting', service: `svc-${i}`, config: { minute: 100 + i, policy: 'local' } }),
    (i: number) => ({ name: 'key-auth', route: `route-${i}`, config: { hide_credentials: true } }),
    (i: number) => ({ name: 'acl', route: `route-${i}`, config: { allow: [`group-${i % 10}`] } }),
    (i: number) => ({ name: 'cors', service: `svc-${i}`, config: { origins: ['https://app.example.com'] } }),
  ];
  const plugins = Array.from({ length: size.plugins }, (_, i) => kinds[i % kinds.length]!(Math.floor(i / kinds.length)));
  return { _format_version: '3.0', services, consumers, plugins };
}

export function renderConfig(config: Record<string, unknown>, format: 'yaml' | 'json'): string {
  return format === 'json' ? JSON.stringify(config, null, 2) : stringify(config);
}

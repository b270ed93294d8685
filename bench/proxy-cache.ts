/**
 * `cache`: (c) a proxy-cache hit vs proxying the same request. The route /plugins has proxy-cache (memory
 * strategy) and is answered from the store after the warm-up's first request; /plain proxies to the upstream
 * every time. Target: hits ≥ 1.3x the proxied requests/s.
 */
import { runScenario, type Scenario } from './plugins.ts';

const cache: Scenario = {
  title: 'cache: (c) a proxy-cache hit vs proxying the same request',
  target: 1.3,
  config: (port) => `_format_version: "3.0"
services:
- name: bench
  url: http://127.0.0.1:${port}
  routes:
  - { name: plain, paths: [/plain] }
  - name: plugins
    paths: [/plugins]
    plugins: [{ name: proxy-cache, config: { strategy: memory, cache_ttl: 3600 } }]
`,
  flags: [],
  headers: [],
};

export const runCacheBench = () => runScenario('cache', cache);

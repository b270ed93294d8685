// Kong's proxy-cache specs (proxy-cache.test.ts) once more, with the node's shared store attached, as a worker
// thread runs them: every hit, miss, refresh and admin purge goes through the SharedArrayBuffer store.
import { createSharedCache } from '../../src/plugins/bundled/proxy-cache/shared-cache.ts';

createSharedCache(16 * 1024 * 1024);
await import('./proxy-cache.test.ts');

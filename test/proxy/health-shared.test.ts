// The health check tests and Kong's balancer specs once more, with the node's shared health table attached, as
// a worker thread runs them: every passive report and probe moves the SharedArrayBuffer states.
import { createSharedHealth } from '../../src/upstream/shared-health.ts';

createSharedHealth(1024);
await import('./health.test.ts');
await import('../kong/balancer-spec.test.ts');

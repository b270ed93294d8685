// The rate limiting plugins' specs (rate-limiting.test.ts, response-ratelimiting.test.ts) once more, with the
// node's shared counters attached, as a worker thread runs them: every `local` count goes through the
// SharedArrayBuffer table.
import { createSharedCounters } from '../../src/plugins/bundled/shared-counters.ts';

createSharedCounters(4096);
await import('./rate-limiting.test.ts');
await import('./response-ratelimiting.test.ts');

// A route's plan for a WebSocket service: the frame and close phases prepared at compile time, apart from the
// HTTP ones (which never run for ws services), and the handshake run over the access steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Config, Plugin } from '../../src/declarative/config.ts';
import type { PluginHandler } from '../../src/plugins/types.ts';
import { compilePluginPlans, webSocketSteps } from '../../src/snapshot/plugin-plans.ts';

const noop = () => undefined;
const handlers = new Map<string, PluginHandler>([
  ['auth', { version: '1', priority: 1000, access: noop, wsHandshake: noop }],
  ['frames', { version: '1', priority: 500, wsClientFrame: noop, wsUpstreamFrame: noop, log: noop }],
  ['logger', { version: '1', priority: 10, log: noop, wsClose: noop }],
]);

const plugin = (name: string, routeId: string | null): Plugin => ({
  id: `${name}-id`, name, enabled: true, protocols: ['ws', 'wss'], config: {}, ordering: null,
  route: routeId === null ? null : { id: routeId }, service: null, consumer: null, consumer_group: null,
} as unknown as Plugin);

const config = {
  routes: [{ id: 'r1', service: { id: 's1' } }],
  plugins: [plugin('auth', 'r1'), plugin('frames', 'r1'), plugin('logger', null)],
} as unknown as Pick<Config, 'plugins' | 'routes'>;

test('a route\'s ws phases hold the plugins that have them, by priority; its HTTP phases none of those', () => {
  const plan = compilePluginPlans(config, handlers).forRoute('r1');
  const names = (steps: readonly { plugin: { name: string } }[]) => steps.map((s) => s.plugin.name);
  assert.deepEqual(names(plan.ws.wsClientFrame), ['frames']);
  assert.deepEqual(names(plan.ws.wsUpstreamFrame), ['frames']);
  assert.deepEqual(names(plan.ws.wsClose), ['logger']);
  assert.deepEqual(names(plan.ws.log), [], 'log never runs for a ws service');
  assert.deepEqual(names(plan.phases.log), ['frames', 'logger']);
  assert.deepEqual(names(plan.phases.wsClientFrame), [], 'an HTTP request never runs frame phases');
  assert.deepEqual(plan.access.map((s) => s.name), ['auth', 'frames', 'logger'], 'the handshake walks the access steps');
});

test('webSocketSteps of a list without ws phases: all empty', () => {
  const steps = webSocketSteps([]);
  for (const phase of Object.values(steps)) assert.equal(phase.length, 0);
});

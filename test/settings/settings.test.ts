import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSettings } from '../../src/settings/settings.ts';

test('defaults', () => {
  assert.deepEqual(resolveSettings({}, {}), { configPath: 'kong.yaml', plugins: ['bundled'], pluginsPaths: [], logLevel: 'info' });
});

test('GATEWAY_* environment twins, and flags win over them', () => {
  const env = { GATEWAY_DECLARATIVE_CONFIG: '/etc/kong.yaml', GATEWAY_PLUGINS: 'bundled, my-plugin', GATEWAY_PLUGINS_PATH: '/a:/b', GATEWAY_LOG_LEVEL: 'debug' };
  assert.deepEqual(resolveSettings({}, env), { configPath: '/etc/kong.yaml', plugins: ['bundled', 'my-plugin'], pluginsPaths: ['/a', '/b'], logLevel: 'debug' });
  assert.deepEqual(resolveSettings({ config: 'x.yaml', plugins: ['off'], pluginsPath: ['/c'], logLevel: 'warn' }, env), {
    configPath: 'x.yaml', plugins: ['off'], pluginsPaths: ['/c'], logLevel: 'warn',
  });
});

test('repeated flags and comma lists combine', () => {
  assert.deepEqual(resolveSettings({ plugins: ['bundled', 'a,b'], pluginsPath: ['/x', '/y'] }, {}).plugins, ['bundled', 'a', 'b']);
});

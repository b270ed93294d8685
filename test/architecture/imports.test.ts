// Data flows one way (the design's layout): each folder of src/ may import only the folders listed for it here.
// A folder's own files are always allowed; `types` lists folders it may import types from, and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const SRC = new URL('../../src/', import.meta.url).pathname;

interface Rule {
  readonly values: readonly string[];
  readonly types?: readonly string[];
}

/** Areas are src/'s folders (plugins/bundled apart from plugins), and its root files by name. */
const RULES: Readonly<Record<string, Rule>> = {
  'errors.ts': { values: [] },
  http: { values: [] },
  schema: { values: ['errors.ts'] },
  entities: { values: ['schema', 'errors.ts'] },
  // The config side knows nothing of the running gateway; of the router, only its pure regex and expression parsers.
  declarative: { values: ['entities', 'schema', 'errors.ts', 'http', 'router/kong-regex.ts', 'router/expression-parser.ts', 'plugins/schema-types.ts'] },
  router: { values: ['entities', 'http'], types: ['declarative'] },
  snapshot: { values: ['declarative', 'entities', 'router', 'http', 'errors.ts'], types: ['plugins', 'pdk'] },
  settings: { values: ['errors.ts', 'http'] },
  // Locks and string keys in SharedArrayBuffers: the worker threads' shared per-node state builds on them.
  'shared-memory': { values: [] },
  observability: { values: [], types: ['settings'] },
  pdk: { values: ['http'], types: ['declarative', 'router', 'snapshot', 'plugins'] },
  // A bundled plugin: the plugin contract, its schema kit, leaf helpers, the PDK's types, and its own files.
  'plugins/bundled': { values: ['plugins/types.ts', 'plugins/schema-types.ts', 'schema', 'http', 'router/kong-regex.ts', 'shared-memory'], types: ['pdk/kong.ts'] },
  plugins: { values: ['plugins/bundled', 'entities', 'errors.ts', 'schema', 'http'], types: ['declarative', 'pdk/kong.ts'] },
  upstream: { values: ['http', 'declarative', 'errors.ts', 'shared-memory'], types: ['snapshot', 'settings'] },
  // The proxy reaches the PDK through its request state and its types, never through the namespaces' files.
  proxy: {
    values: ['http', 'upstream', 'router', 'snapshot', 'errors.ts', 'pdk/request-state.ts', 'pdk/node.ts', 'pdk/cache.ts', 'websocket'],
    types: ['pdk/kong.ts', 'declarative', 'settings', 'runtime', 'plugins'],
  },
  // A ws service's connection: the proxy's request and phases, the upstream's peers, the frame in flight.
  websocket: {
    values: ['http', 'upstream', 'proxy', 'snapshot', 'errors.ts', 'pdk/websocket.ts'],
    types: ['pdk/kong.ts', 'pdk/request-state.ts', 'declarative', 'plugins'],
  },
  // Stream connections reach the PDK through their own state, as the proxy through its request state.
  stream: {
    values: ['http', 'upstream', 'router', 'snapshot', 'errors.ts', 'pdk/stream-state.ts', 'proxy/certificate-phase.ts', 'proxy/serialize.ts'],
    types: ['pdk/kong.ts', 'declarative', 'settings', 'runtime', 'plugins'],
  },
  runtime: { values: ['declarative', 'snapshot', 'errors.ts'], types: ['plugins', 'settings'] },
  // The admin API purges proxy-cache's in-memory stores (Kong's /proxy-cache endpoints): that module only.
  admin: { values: ['declarative', 'entities', 'errors.ts', 'schema', 'observability', 'plugins/bundled/proxy-cache/store.ts'], types: ['plugins', 'runtime', 'settings'] },
  // The status listener serves what its source gives it (main.ts and primary.ts wire the admin API's status body and metrics).
  status: { values: ['observability', 'http'], types: ['settings'] },
  // Wiring: these may import anything (primary.ts, worker.ts and shared-state.ts wire the workers).
  cli: { values: ['*'] },
  'main.ts': { values: ['*'] },
  'primary.ts': { values: ['*'] },
  'worker.ts': { values: ['*'] },
  'shared-state.ts': { values: ['*'] },
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|js)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

function areaOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  if (parts.length === 1) return parts[0]!;
  if (parts[0] === 'plugins' && parts[1] === 'bundled') return 'plugins/bundled';
  return parts[0]!;
}

/** Whether `target` (a path under src/) is named by an entry: a folder, a file, or `*`. */
function covered(entries: readonly string[], target: string): boolean {
  return entries.some((e) => e === '*' || target === e || target.startsWith(`${e}/`));
}

interface Import {
  readonly specifier: string;
  readonly typeOnly: boolean;
}

/** Static imports and re-exports (also spread over lines), and dynamic `import('...')`. */
function importsOf(text: string): Import[] {
  const found: Import[] = [];
  for (const m of text.matchAll(/^(?:import|export)(\s+type)?\s[^;]*?\sfrom\s+'([^']+)'/gm)) found.push({ specifier: m[2]!, typeOnly: m[1] !== undefined });
  for (const m of text.matchAll(/^import\s+'([^']+)'/gm)) found.push({ specifier: m[1]!, typeOnly: false });
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) found.push({ specifier: m[1]!, typeOnly: false });
  return found;
}

test('every src/ folder imports only what the design lets it (data flows one way)', () => {
  const violations: string[] = [];
  const files = sources(SRC);
  assert.ok(files.length > 50, 'the scan found the sources');
  for (const file of files) {
    const from = areaOf(file);
    const rule = RULES[from];
    if (!rule) {
      violations.push(`${relative(SRC, file)}: its folder '${from}' has no rule here; add one`);
      continue;
    }
    for (const { specifier, typeOnly } of importsOf(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      const target = relative(SRC, normalize(join(dirname(file), specifier)));
      if (target.startsWith('..')) {
        violations.push(`${relative(SRC, file)} imports ${specifier}, outside src/`);
        continue;
      }
      const to = areaOf(join(SRC, target));
      if (to === from) {
        // A bundled plugin's files import their own folder and the helpers all bundled plugins share.
        if (from === 'plugins/bundled') {
          const own = relative(SRC, dirname(file)).split('/').slice(0, 3).join('/');
          const shared = target.split('/').length === 3;
          if (!target.startsWith(`${own}/`) && !shared) violations.push(`${relative(SRC, file)} imports another plugin's file ${target}`);
        }
        continue;
      }
      if (covered(rule.values, target) || (typeOnly && covered(rule.types ?? [], target))) continue;
      violations.push(`${relative(SRC, file)} imports ${typeOnly ? 'types from ' : ''}${target} (${from} → ${to} is against the data flow)`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the import scan sees the import forms the sources use', () => {
  const text = "import a from './a.ts';\nimport type { B } from '../b.ts';\nimport {\n  c,\n  d,\n} from './c.ts';\nexport { e } from './e.ts';\nconst f = await import('./f.ts');\n";
  assert.deepEqual(importsOf(text), [
    { specifier: './a.ts', typeOnly: false },
    { specifier: '../b.ts', typeOnly: true },
    { specifier: './c.ts', typeOnly: false },
    { specifier: './e.ts', typeOnly: false },
    { specifier: './f.ts', typeOnly: false },
  ]);
});

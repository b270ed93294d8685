import { readFileSync, readdirSync } from 'node:fs';
// usage: callers.mjs dir fnName [depth]
const [dir, name, depth = 4] = process.argv.slice(2);
const f = readdirSync(dir).find((n) => n.endsWith('.cpuprofile'));
const p = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const counts = new Map();
for (const s of p.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
// inclusive count per node
const incl = new Map();
function inc(id) { const n = byId.get(id); let c = counts.get(id) ?? 0; for (const ch of n.children ?? []) c += inc(ch); incl.set(id, c); return c; }
inc(p.nodes[0].id);
const paths = new Map();
for (const n of p.nodes) {
  if (n.callFrame.functionName !== name) continue;
  const chain = [];
  let id = parent.get(n.id);
  for (let i = 0; i < depth && id !== undefined; i++) { const cf = byId.get(id).callFrame; chain.push(`${cf.functionName || '(anon)'}@${cf.url.split('/').pop()}:${cf.lineNumber}`); id = parent.get(id); }
  const k = chain.join(' < ');
  paths.set(k, (paths.get(k) ?? 0) + incl.get(n.id));
}
for (const [k, c] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(c, k);

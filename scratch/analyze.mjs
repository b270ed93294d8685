import { readFileSync, readdirSync } from 'node:fs';
const dir = process.argv[2];
const f = readdirSync(dir).find((n) => n.endsWith('.cpuprofile'));
const p = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
const counts = new Map();
for (const s of p.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
let total = 0;
const byFile = new Map();
for (const [id, c] of counts) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const key = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/(node_modules|src)\//, '$1/')}:${cf.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + c);
  const file = cf.url.replace(/.*\/(node_modules\/[^/]+|src\/.*)/, '$1') || cf.functionName;
  byFile.set(file, (byFile.get(file) ?? 0) + c);
  total += c;
}
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 40));
for (const [k, c] of top) console.log((100 * c / total).toFixed(1).padStart(5), k);
console.log('--- by file');
for (const [k, c] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((100 * c / total).toFixed(1).padStart(5), k);

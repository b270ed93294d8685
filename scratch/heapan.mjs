import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const reqs = Number(process.argv[3]);
const self = new Map();
function walk(n, stack) {
  const cf = n.callFrame;
  const k = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/(node_modules|src|bench)\//, '$1/')}:${cf.lineNumber}`;
  self.set(k, (self.get(k) ?? 0) + n.selfSize);
  for (const c of n.children) walk(c);
}
walk(p.head);
const tot = [...self.values()].reduce((a, b) => a + b, 0);
console.log('bytes/req', (tot / reqs).toFixed(0));
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log((v / reqs).toFixed(0).padStart(7), k);

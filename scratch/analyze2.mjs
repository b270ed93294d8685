import { readFileSync, readdirSync } from 'node:fs';
// usage: analyze2.mjs dirA dirB  -> µs/request self time per function, A vs B, sorted by difference
function load(dir) {
  const f = readdirSync(dir).find((n) => n.endsWith('.cpuprofile'));
  const p = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
  const reqs = Number(readFileSync(`${dir}/requests`, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    const cf = byId.get(p.samples[i]).callFrame;
    const key = process.env.BYFILE ? (cf.url.replace(/.*\/(node_modules\/[^/]+|src\/.*)/, '$1') || cf.functionName) : `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/(node_modules|src)\//, '$1/')}:${cf.lineNumber}`;
    out.set(key, (out.get(key) ?? 0) + dt);
  }
  for (const [k, v] of out) out.set(k, v / reqs);
  return out;
}
const a = load(process.argv[2]);
const b = process.argv[3] ? load(process.argv[3]) : new Map();
const keys = new Set([...a.keys(), ...b.keys()]);
const rows = [...keys].map((k) => [k, a.get(k) ?? 0, b.get(k) ?? 0]).filter(([k]) => k !== '(idle) :-1' && k !== '(idle)');
const sum = (m) => [...m].filter(([k]) => !k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0);
console.log('total busy µs/req', sum(a).toFixed(1), sum(b).toFixed(1));
rows.sort((x, y) => Math.abs(y[1] - y[2]) - Math.abs(x[1] - x[2]));
for (const [k, x, y] of rows.slice(0, Number(process.env.TOP ?? 40))) console.log(x.toFixed(2).padStart(7), y.toFixed(2).padStart(7), (x - y).toFixed(2).padStart(7), k);

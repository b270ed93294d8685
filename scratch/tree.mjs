import { readFileSync, readdirSync } from 'node:fs';
const dir = process.argv[2];
const f = readdirSync(dir).find((n) => n.endsWith('.cpuprofile'));
const p = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map(); 
for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i+1] ?? 0));
const byUrl = new Map();
for (const [id, t] of self) { const cf = byId.get(id).callFrame; const k = cf.url.replace('file:///work/main/','') || cf.functionName; byUrl.set(k, (byUrl.get(k) ?? 0) + t); }
const tot = [...self.values()].reduce((a,b)=>a+b,0);
console.log('total ms', (tot/1000).toFixed(0));
for (const [k, t] of [...byUrl].sort((a,b)=>b[1]-a[1]).slice(0, 25)) console.log((t/1000).toFixed(1).padStart(7), k);

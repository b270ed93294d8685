import { readFileSync, readdirSync } from 'node:fs';
const dir = process.argv[2];
const f = readdirSync(dir).find((n) => n.endsWith('.cpuprofile'));
const p = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
const urls = new Set(p.nodes.map((n) => n.callFrame.url).filter((u) => u.startsWith('file://')));
const pk = new Map();
for (const u of urls) { const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(u); const k = m ? m[1] : u.replace('file:///work/main/',''); pk.set(k, (pk.get(k)??0)+1); }
console.log([...pk].map(([k,c])=>`${k}(${c})`).join('\n'));

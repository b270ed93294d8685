/**
 * The WebSocket bench's load: CONNECTIONS clients against URL, each keeping WINDOW messages of SIZE bytes in
 * flight (a new one for every echo back), for DURATION_MS after a short warm-up. Prints {"mps": echoes per second}.
 */
import WebSocket from 'ws';

const url = process.env.URL!;
const connections = Number(process.env.CONNECTIONS ?? 16);
const windowSize = Number(process.env.WINDOW ?? 16);
const payload = Buffer.alloc(Number(process.env.SIZE ?? 128), 'x').toString();
const duration = Number(process.env.DURATION_MS ?? 3000);
const WARMUP_MS = 500;

let counting = false;
let echoes = 0;
const sockets = await Promise.all(Array.from({ length: connections }, () => new Promise<WebSocket>((resolve, reject) => {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('message', () => {
    if (counting) echoes++;
    ws.send(payload);
  });
  ws.once('open', () => resolve(ws));
  ws.once('error', reject);
})));
for (const ws of sockets) for (let i = 0; i < windowSize; i++) ws.send(payload);
await new Promise((r) => setTimeout(r, WARMUP_MS));
counting = true;
const started = performance.now();
await new Promise((r) => setTimeout(r, duration));
counting = false;
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ mps: Math.round(echoes / seconds) }));
for (const ws of sockets) ws.terminate();
process.exit(0);

/** Benchmark log receiver: a TCP and a UDP server on PORT that read and discard what the logging plugins send. */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

const port = Number(process.env.PORT);
let bytes = 0;
const tcp = createServer((s) => {
  s.on('data', (d) => (bytes += d.length));
  s.on('error', () => undefined);
});
const udp = createSocket('udp4');
udp.on('message', (m) => (bytes += m.length));
udp.bind(port, '127.0.0.1', () => tcp.listen(port, '127.0.0.1', () => process.stdout.write('ready\n')));
process.on('SIGTERM', () => {
  process.stdout.write(`received ${bytes} bytes\n`);
  process.exit(0);
});

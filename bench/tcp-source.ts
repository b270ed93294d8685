/** Benchmark TCP upstream: on each connection, writes BYTES bytes as fast as the socket takes them, then ends. */
import { createServer } from 'node:net';

const total = Number(process.env.BYTES);
const chunk = Buffer.alloc(256 * 1024, 'x');
const server = createServer((socket) => {
  socket.on('error', () => socket.destroy());
  let left = total;
  const push = () => {
    while (left > 0) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      if (!socket.write(piece)) return void socket.once('drain', push);
    }
    socket.end();
  };
  push();
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));

import net from 'node:net';
net.createServer((s) => s.once('data', (d) => { process.stdout.write(d.toString('latin1')); s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'); })).listen(19001, '127.0.0.1');

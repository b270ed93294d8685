/**
 * nginx's ssl_preread: the server name of a TLS ClientHello, read from the connection's first record without
 * consuming it (the bytes go back to the socket, for the TLS terminator or to be piped as they are). A first
 * record that is not a TLS handshake, or a ClientHello without the server_name extension, gives no name.
 */
import type { Socket } from 'node:net';

/** A TLS record's header, and the largest plaintext record (RFC 8446 5.1) plus that header. */
const HEADER = 5;
const MAX_RECORD = 16384 + HEADER;

export interface Preread {
  /** Whether the first bytes were a TLS handshake record. */
  readonly tls: boolean;
  readonly sni: string | undefined;
}

/** The server name in a whole handshake record (header included), if the record is a ClientHello with one. */
export function parseClientHello(record: Buffer): Preread {
  if (record.length < HEADER || record[0] !== 0x16) return { tls: false, sni: undefined };
  const end = Math.min(record.length, HEADER + record.readUInt16BE(3));
  let at = HEADER;
  const need = (n: number) => at + n <= end;
  // Handshake type 1 (client_hello), a 3-byte length, the client version and 32 random bytes.
  if (!need(4) || record[at] !== 0x01) return { tls: true, sni: undefined };
  at += 4 + 2 + 32;
  if (!need(1)) return { tls: true, sni: undefined };
  at += 1 + record[at]!; // session id
  if (!need(2)) return { tls: true, sni: undefined };
  at += 2 + record.readUInt16BE(at); // cipher suites
  if (!need(1)) return { tls: true, sni: undefined };
  at += 1 + record[at]!; // compression methods
  if (!need(2)) return { tls: true, sni: undefined };
  const extensionsEnd = Math.min(end, at + 2 + record.readUInt16BE(at));
  at += 2;
  while (at + 4 <= extensionsEnd) {
    const type = record.readUInt16BE(at);
    const length = record.readUInt16BE(at + 2);
    at += 4;
    if (type === 0x0000) {
      // server_name: a list (2-byte length) of (type, 2-byte length, name); type 0 is host_name.
      let p = at + 2;
      const listEnd = Math.min(at + length, extensionsEnd);
      while (p + 3 <= listEnd) {
        const nameType = record[p]!;
        const nameLength = record.readUInt16BE(p + 1);
        p += 3;
        if (p + nameLength > listEnd) break;
        if (nameType === 0) return { tls: true, sni: record.toString('latin1', p, p + nameLength) };
        p += nameLength;
      }
      return { tls: true, sni: undefined };
    }
    at += length;
  }
  return { tls: true, sni: undefined };
}

/**
 * Reads the connection's first TLS record (or as much as comes within `timeoutMs`), then puts the bytes back.
 * Resolves undefined when the client left or sent nothing in time (nginx's preread_timeout closes it then).
 */
export function preread(socket: Socket, timeoutMs: number): Promise<Preread | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (result: Preread | undefined) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.pause();
      if (length > 0 && !socket.destroyed) socket.unshift(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length));
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      const head = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
      if (head[0] !== 0x16) return finish({ tls: false, sni: undefined });
      if (length < HEADER) return;
      const wanted = Math.min(MAX_RECORD, HEADER + head.readUInt16BE(3));
      if (length >= wanted) finish(parseClientHello(head));
    };
    const onEnd = () => finish(undefined);
    const timer = setTimeout(onEnd, timeoutMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}

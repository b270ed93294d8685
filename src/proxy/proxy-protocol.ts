/**
 * The PROXY protocol ahead of HTTP, on listeners that say `proxy_protocol` (nginx's listen option, Kong's
 * `proxy_listen ... proxy_protocol`): each connection starts with a v1 (text) or v2 (binary) header naming the
 * client as the proxy in front saw it. The address is kept for `--real-ip-header proxy_protocol`; a connection
 * whose header is missing or broken is closed without an answer, as nginx closes it.
 */
import type { Server } from 'node:http';
import { isIP, type Socket } from 'node:net';

export interface ProxiedAddress {
  readonly ip: string;
  readonly port: number | undefined;
}

/** Per raw socket; a TLS socket is looked up by the socket it wraps. */
const addresses = new WeakMap<object, ProxiedAddress>();

/** The address the PROXY header gave for this request's connection (nginx's `$proxy_protocol_addr`). */
export function proxiedAddress(socket: object): ProxiedAddress | undefined {
  return addresses.get(socket) ?? addresses.get((socket as { _parent?: object })._parent ?? addresses);
}

const V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
/** v1's longest header (107 bytes), and v2's header with the longest address block it may carry here. */
const V1_MAX = 107;
const V2_MAX = 16 + 65535;

type Parsed = { readonly length: number; readonly address: ProxiedAddress | undefined } | 'more' | 'broken';

export function parseProxyHeader(buf: Buffer): Parsed {
  if (buf.length >= 1 && buf[0] === 0x0d) return parseV2(buf);
  const prefix = 'PROXY ';
  for (let i = 0; i < Math.min(buf.length, prefix.length); i++) if (buf[i] !== prefix.charCodeAt(i)) return 'broken';
  const end = buf.indexOf('\r\n');
  if (end < 0) return buf.length > V1_MAX ? 'broken' : 'more';
  if (end + 2 > V1_MAX) return 'broken';
  const parts = buf.toString('latin1', 0, end).split(' ');
  if (parts[1] === 'UNKNOWN') return { length: end + 2, address: undefined };
  const [, family, src, , srcPort, dstPort] = parts;
  if (parts.length !== 6 || (family !== 'TCP4' && family !== 'TCP6') || isIP(src ?? '') !== (family === 'TCP4' ? 4 : 6)) return 'broken';
  if (!/^\d{1,5}$/.test(srcPort ?? '') || !/^\d{1,5}$/.test(dstPort ?? '')) return 'broken';
  return { length: end + 2, address: { ip: src!, port: Number(srcPort) } };
}

function parseV2(buf: Buffer): Parsed {
  const have = Math.min(buf.length, V2_SIGNATURE.length);
  if (!buf.subarray(0, have).equals(V2_SIGNATURE.subarray(0, have))) return 'broken';
  if (buf.length < 16) return 'more';
  const versionCommand = buf[12]!;
  if (versionCommand >> 4 !== 2) return 'broken';
  const length = 16 + buf.readUInt16BE(14);
  if (length > V2_MAX) return 'broken';
  if (buf.length < length) return 'more';
  // LOCAL (a health check of the proxy itself): the connection's own addresses stand.
  if ((versionCommand & 0x0f) === 0) return { length, address: undefined };
  const family = buf[13]! >> 4;
  if (family === 1 && length >= 16 + 12) {
    return { length, address: { ip: [...buf.subarray(16, 20)].join('.'), port: buf.readUInt16BE(24) } };
  }
  if (family === 2 && length >= 16 + 36) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(16 + i).toString(16));
    return { length, address: { ip: groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::'), port: buf.readUInt16BE(48) } };
  }
  return { length, address: undefined };
}

/**
 * Puts the PROXY header's reading in front of `server`'s own handling of connections: its 'connection'
 * listeners get each socket once the header is read, with what followed it put back.
 */
export function acceptProxyProtocol(server: Server, timeoutMs: number): void {
  const listeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    let buffered: Buffer = Buffer.alloc(0);
    const fail = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    // nginx reads the header within client_header_timeout too.
    const timer = setTimeout(fail, timeoutMs);
    const onData = (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const parsed = parseProxyHeader(buffered);
      if (parsed === 'more') return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', fail);
      if (parsed === 'broken') return fail();
      socket.pause();
      if (parsed.address) addresses.set(socket, parsed.address);
      const rest = buffered.subarray(parsed.length);
      if (rest.length > 0) socket.unshift(rest);
      for (const listener of listeners) listener.call(server, socket);
      socket.resume();
    };
    socket.on('data', onData);
    socket.on('error', fail);
    socket.once('close', () => clearTimeout(timer));
  });
}

/**
 * One cached response as a record of the shared arena (shared-store.ts): its dictionary and key (UTF-16 units,
 * compared in place), a JSON head, the body and the request body. Writing positions and sizes is the ring's
 * (cache-ring.ts); this is what a record holds.
 */
import { RECORD_HEAD, recordBytes } from './cache-ring.ts';
import type { CachedResponse } from './store.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The head of a record: what a response is besides its bodies. */
export function encodeHead(entry: CachedResponse): Uint8Array {
  return encoder.encode(JSON.stringify({ s: entry.status, h: entry.headers, t: entry.timestamp, l: entry.ttl, v: entry.version }));
}

/** Whether the record at byte `p` is the dictionary's `key`. */
export function recordHasKey(arena: Buffer, p: number, dictionary: string, key: string): boolean {
  if (arena.readInt32LE(p) !== dictionary.length + 1 + key.length) return false;
  let at = p + RECORD_HEAD;
  for (let i = 0; i < dictionary.length; i++, at += 2) if (arena.readUInt16LE(at) !== dictionary.charCodeAt(i)) return false;
  if (arena.readUInt16LE(at) !== 0) return false;
  at += 2;
  for (let i = 0; i < key.length; i++, at += 2) if (arena.readUInt16LE(at) !== key.charCodeAt(i)) return false;
  return true;
}

/** The record at byte `p`, copied out; undefined when it is not the key's (or was torn by an overwrite). */
export function decodeRecord(arena: Buffer, p: number, size: number, dictionary: string, key: string): CachedResponse | undefined {
  if (!recordHasKey(arena, p, dictionary, key)) return undefined;
  if (recordBytes(arena, p) !== size) return undefined;
  const headBytes = arena.readInt32LE(p + 4);
  const bodyBytes = arena.readInt32LE(p + 8);
  const reqBytes = arena.readInt32LE(p + 12);
  if (headBytes < 0 || bodyBytes < 0) return undefined;
  let at = p + RECORD_HEAD + arena.readInt32LE(p) * 2;
  let head: { s: number; h: CachedResponse['headers']; t: number; l: number; v: number };
  try {
    head = JSON.parse(decoder.decode(arena.subarray(at, at + headBytes))) as typeof head;
  } catch {
    return undefined;
  }
  at += headBytes;
  const body = Buffer.allocUnsafe(bodyBytes);
  arena.copy(body, 0, at, at + bodyBytes);
  at += bodyBytes;
  let reqBody: Buffer | undefined;
  if (reqBytes >= 0) {
    reqBody = Buffer.allocUnsafe(reqBytes);
    arena.copy(reqBody, 0, at, at + reqBytes);
  }
  return { status: head.s, headers: head.h, body, timestamp: head.t, ttl: head.l, version: head.v, reqBody };
}

// The allocation-free SHA-1 behind deterministic ids gives node:crypto's digests: empty, one block, the padding
// boundaries (55, 56, 64 bytes), several blocks, and random inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hash, randomBytes } from 'node:crypto';
import { sha1Words } from '../../src/declarative/sha1.ts';
import { uuidv5 } from '../../src/declarative/ids.ts';

const hex = (words: Int32Array) => [...words].map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('');

test('sha1Words matches node:crypto at every length that matters', () => {
  const lengths = [0, 1, 3, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 300, 1000];
  for (const length of lengths) {
    const message = randomBytes(length);
    assert.equal(hex(sha1Words(message, length)), hash('sha1', message, 'hex'), `length ${length}`);
  }
  for (let i = 0; i < 500; i++) {
    const message = randomBytes(Math.floor(Math.random() * 200));
    assert.equal(hex(sha1Words(message, message.length)), hash('sha1', message, 'hex'));
  }
});

test('only the first `length` bytes of a larger buffer count', () => {
  const buffer = Buffer.concat([Buffer.from('abc'), randomBytes(50)]);
  assert.equal(hex(sha1Words(buffer, 3)), hash('sha1', 'abc', 'hex'));
});

test("uuidv5 is RFC 4122's (the DNS namespace example of python's uuid module)", () => {
  assert.equal(uuidv5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
});

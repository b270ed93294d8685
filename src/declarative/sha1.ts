/**
 * SHA-1 (FIPS 180-4) of a short message, with no allocation per call. Deterministic ids need one SHA-1 per entity
 * (41,000 for a 10,000-service file) and node:crypto's per-call cost dominated loading: this is 2-3x faster for
 * such inputs. Ids are not a security boundary; a test checks the digests against node:crypto.
 */
const W = new Int32Array(80);
const OUT = new Int32Array(5);

/** The digest of `message[0..length)` as five big-endian 32-bit words, in a buffer reused by the next call. */
export function sha1Words(message: Uint8Array, length: number): Int32Array {
  const blocks = ((length + 8) >>> 6) + 1;
  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  for (let block = 0; block < blocks; block++) {
    const base = block * 64;
    for (let i = 0; i < 16; i++) {
      let word = 0;
      for (let k = 0; k < 4; k++) {
        const at = base + i * 4 + k;
        // The message, then the 0x80 marker, then zeros (padding).
        word = (word << 8) | (at < length ? message[at]! : at === length ? 0x80 : 0);
      }
      W[i] = word;
    }
    if (block === blocks - 1) {
      // The message length in bits, as a 64-bit big-endian number.
      W[14] = Math.floor(length / 0x20000000);
      W[15] = (length << 3) | 0;
    }
    for (let i = 16; i < 80; i++) {
      const v = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
      W[i] = (v << 1) | (v >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      const f = i < 20 ? ((b & c) | (~b & d)) + 0x5a827999
        : i < 40 ? (b ^ c ^ d) + 0x6ed9eba1
          : i < 60 ? ((b & c) | (b & d) | (c & d)) + 0x8f1bbcdc
            : (b ^ c ^ d) + 0xca62c1d6;
      const t = (((a << 5) | (a >>> 27)) + f + e + W[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  OUT[0] = h0;
  OUT[1] = h1;
  OUT[2] = h2;
  OUT[3] = h3;
  OUT[4] = h4;
  return OUT;
}

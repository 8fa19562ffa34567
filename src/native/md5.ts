/**
 * MD5 (RFC 1321) in TypeScript: the twin of native-bindings/src/md5.cc, same answers (golden
 * vectors in test/golden). Written for partition keys: no allocation per call, blocks read
 * straight from the input, only the padded tail goes through a scratch buffer.
 */
const K = new Int32Array([
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
  0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
  0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
  0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
]);
const S = new Uint8Array([
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23,
  4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]);

const state = new Int32Array(4);
const m = new Int32Array(16);
const tail = new Uint8Array(128);

function block(src: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const p = off + 4 * i;
    m[i] = (src[p] as number) | ((src[p + 1] as number) << 8) | ((src[p + 2] as number) << 16) | ((src[p + 3] as number) << 24);
  }
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  for (let i = 0; i < 64; i++) {
    let f: number;
    let g: number;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) & 15;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) & 15;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) & 15;
    }
    const x = (a + f + (K[i] as number) + (m[g] as number)) | 0;
    const s = S[i] as number;
    const next = (b + ((x << s) | (x >>> (32 - s)))) | 0;
    a = d;
    d = c;
    c = b;
    b = next;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
}

/** Writes MD5(src[off, off+len)) to out[outOff, outOff+16). Not re-entrant (module scratch). */
export function md5Into(src: Uint8Array, off: number, len: number, out: Uint8Array, outOff: number): void {
  state[0] = 0x67452301;
  state[1] = 0xefcdab89 | 0;
  state[2] = 0x98badcfe | 0;
  state[3] = 0x10325476;
  const full = len - (len % 64);
  for (let p = 0; p < full; p += 64) block(src, off + p);
  const rest = len - full;
  tail.fill(0);
  tail.set(src.subarray(off + full, off + len));
  tail[rest] = 0x80;
  const tailLen = rest < 56 ? 64 : 128;
  const bits = len * 8;
  // Bit length, little-endian; keys are far below 2^32 bits, so the high word is zero.
  tail[tailLen - 8] = bits & 0xff;
  tail[tailLen - 7] = (bits >>> 8) & 0xff;
  tail[tailLen - 6] = (bits >>> 16) & 0xff;
  tail[tailLen - 5] = (bits >>> 24) & 0xff;
  block(tail, 0);
  if (tailLen === 128) block(tail, 64);
  for (let i = 0; i < 4; i++) {
    const v = state[i] as number;
    out[outOff + 4 * i] = v & 0xff;
    out[outOff + 4 * i + 1] = (v >>> 8) & 0xff;
    out[outOff + 4 * i + 2] = (v >>> 16) & 0xff;
    out[outOff + 4 * i + 3] = (v >>> 24) & 0xff;
  }
}

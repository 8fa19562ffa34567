// Inputs and readers for the codec tests (codecs.test.ts): seeded data, and readers of the two
// Snappy containers written from their formats' descriptions, not from the code under test.
import snappy from 'snappy';
import { expect } from 'vitest';
import { prng } from '../prng.js';

export { prng };

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

/** `bytes` bytes of newline-delimited JSON records of about `lineBytes` each (the last line cut short), as Firehose buffers them. */
export function jsonLines(bytes: number, seed: number, lineBytes = 1024): Uint8Array {
  const next = prng(seed);
  const out = Buffer.alloc(bytes);
  let at = 0;
  for (let i = 0; at < bytes; i++) {
    const head = `{"seq":${i},"ts":"2026-01-02T03:04:${String(i % 60).padStart(2, '0')}Z","key":"user-${Math.floor(next() * 5000)}","event":"${WORDS[i % WORDS.length]}","payload":"`;
    let payload = '';
    while (head.length + payload.length < lineBytes - 3) payload += `${WORDS[Math.floor(next() * WORDS.length)]} ${Math.floor(next() * 100)} `;
    const line = `${head}${payload.slice(0, Math.max(0, lineBytes - 3 - head.length))}"}\n`;
    at += out.write(line, at, 'latin1');
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** `bytes` seeded random bytes: incompressible. */
export function randomBytes(bytes: number, seed: number): Uint8Array {
  const next = prng(seed);
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Math.floor(next() * 256);
  return out;
}

export interface Case {
  name: string;
  data: Uint8Array;
}

/** The fixed inputs every format is checked on: the edges of a 32 KiB snappy block, text, noise. */
export function fixedCases(): Case[] {
  return [
    { name: 'empty', data: new Uint8Array(0) },
    { name: '1 byte', data: Uint8Array.of(0x7b) },
    { name: 'exactly 32 KiB of JSON lines', data: jsonLines(32 * 1024, 1) },
    { name: '32 KiB + 1 of JSON lines', data: jsonLines(32 * 1024 + 1, 2) },
    { name: '~3 MiB of 1 KiB JSON lines', data: jsonLines(3 * 1024 * 1024 + 517, 3) },
    { name: '1 MiB + 3 random bytes', data: randomBytes(1024 * 1024 + 3, 4) },
  ];
}

/** A random case from `seed`: a size near a block edge, small, or up to ~600 KiB; text, noise, runs, or a mix. */
export function randomCase(seed: number): Case {
  const next = prng(seed);
  const shape = Math.floor(next() * 3);
  const size =
    shape === 0
      ? Math.max(0, Math.floor(next() * 20) * 32 * 1024 + Math.floor(next() * 5) - 2)
      : shape === 1
        ? Math.floor(next() * 100)
        : Math.floor(Math.exp(next() * Math.log(600 * 1024)));
  const kind = Math.floor(next() * 4);
  let data: Uint8Array;
  if (kind === 0) data = jsonLines(size, seed, 64 + Math.floor(next() * 2000));
  else if (kind === 1) data = randomBytes(size, seed);
  else if (kind === 2) data = new Uint8Array(size).fill(Math.floor(next() * 256));
  else {
    data = jsonLines(size, seed);
    const noise = randomBytes(size, seed + 1);
    for (let at = 0; at < size; at += 4096) data.set(noise.subarray(at, at + Math.floor(next() * 2048)), at);
  }
  return { name: `seed ${seed}: ${size} bytes of ${['JSON lines', 'random bytes', 'one repeated byte', 'JSON with random patches'][kind]}`, data };
}

/** Fails with the first differing offset rather than a diff of megabytes. */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (Buffer.compare(actual, expected) === 0) return;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  expect.fail(`${what}: got ${actual.length} bytes, expected ${expected.length}; they differ first at byte ${i}`);
}

export interface HadoopBlock {
  /** The block's uncompressed length, from its header. */
  length: number;
  /** Compressed chunks the block was split into. */
  chunks: number;
}

/**
 * Hadoop's BlockDecompressorStream, from its format: repeated [int32be uncompressed block length],
 * then [int32be compressed length][raw snappy] chunks until that many bytes are decoded; the stream
 * may end only at a block boundary. Raw blocks are decoded by napi-rs `snappy.uncompressSync`.
 */
export function readHadoopSnappy(bytes: Uint8Array): { data: Buffer; blocks: HadoopBlock[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Buffer[] = [];
  const blocks: HadoopBlock[] = [];
  let at = 0;
  const int32 = (what: string): number => {
    if (at + 4 > bytes.length) throw new Error(`hadoop-snappy: stream ends inside the ${what} at byte ${at}`);
    const v = view.getInt32(at);
    at += 4;
    return v;
  };
  while (at < bytes.length) {
    const length = int32('block length');
    if (length < 0) throw new Error(`hadoop-snappy: negative block length ${length}`);
    let decoded = 0;
    let chunks = 0;
    while (decoded < length) {
      const chunkLength = int32('chunk length');
      if (chunkLength <= 0 || at + chunkLength > bytes.length) throw new Error(`hadoop-snappy: chunk of ${chunkLength} bytes at byte ${at} of ${bytes.length}`);
      const plain = snappy.uncompressSync(bytes.subarray(at, at + chunkLength)) as Buffer;
      at += chunkLength;
      parts.push(plain);
      decoded += plain.length;
      chunks++;
    }
    if (decoded !== length) throw new Error(`hadoop-snappy: block decoded to ${decoded} bytes, its header said ${length}`);
    blocks.push({ length, chunks });
  }
  return { data: Buffer.concat(parts), blocks };
}

/** The uncompressed length of each block of an xerial snappy-java stream (after its 16-byte header). */
export function snappyJavaBlockLengths(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengths: number[] = [];
  for (let at = 16; at < bytes.length; ) {
    const n = view.getInt32(at);
    lengths.push((snappy.uncompressSync(bytes.subarray(at + 4, at + 4 + n)) as Buffer).length);
    at += 4 + n;
  }
  return lengths;
}

/** The block lengths SnappyOutputStream and SnappyHadoopCompatibleOutputStream cut `total` bytes into. */
export function expectedBlockLengths(total: number, block = 32 * 1024): number[] {
  const lengths: number[] = [];
  for (let at = 0; at < total; at += block) lengths.push(Math.min(block, total - at));
  return lengths;
}

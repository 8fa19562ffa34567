// Firehose's `Snappy` container: the xerial snappy-java stream format, what
// org.xerial.snappy.SnappyOutputStream writes and SnappyInputStream reads (snappy-java's
// SnappyCodec.java and SnappyOutputStream.java; FIREHOSE-FACTS.md §1.7). Not Google's framing
// format: a 16-byte header, then `[int32be compressedLength][raw snappy block]` per 32 KiB of input.
import snappy from 'snappy';

/** `0x82 'SNAPPY' 0x00`: SnappyCodec.MAGIC_HEADER. */
export const SNAPPY_JAVA_MAGIC = Uint8Array.of(0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00);
/** SnappyCodec's version and minimum compatible version, each an int32be after the magic. */
const SNAPPY_JAVA_VERSION = 1;
const SNAPPY_JAVA_COMPATIBLE_VERSION = 1;
export const SNAPPY_JAVA_HEADER_BYTES = SNAPPY_JAVA_MAGIC.length + 8;
/** SnappyOutputStream.DEFAULT_BLOCK_SIZE: each block compresses this much input (the last, less). */
export const SNAPPY_BLOCK_BYTES = 32 * 1024;

/**
 * Raw snappy blocks of `data`, `SNAPPY_BLOCK_BYTES` of input each (none for empty input), with the
 * length of each. Shared with the Hadoop container, which frames the same blocks differently.
 */
export function snappyBlocks(data: Uint8Array): { blocks: Buffer[]; compressedBytes: number } {
  const blocks: Buffer[] = [];
  let compressedBytes = 0;
  for (let at = 0; at < data.length; at += SNAPPY_BLOCK_BYTES) {
    // copyOutputData: the block comes back in a Buffer V8 allocates, not one wrapping Rust's memory:
    // the default (external buffers) measured ~20x slower per 32 KiB block on Node 20.20 (~100 us each).
    const block = snappy.compressSync(data.subarray(at, at + SNAPPY_BLOCK_BYTES), { copyOutputData: true });
    blocks.push(block);
    compressedBytes += block.length;
  }
  return { blocks, compressedBytes };
}

/**
 * `data` as SnappyOutputStream writes it with the default block size. Empty input gives the header
 * alone, as SnappyOutputStream does (it writes the header before any block). The result owns its
 * ArrayBuffer (offset 0, exact length), so it can be transferred without a copy.
 */
export function snappyJavaStream(data: Uint8Array): Uint8Array {
  const { blocks, compressedBytes } = snappyBlocks(data);
  const out = new Uint8Array(SNAPPY_JAVA_HEADER_BYTES + 4 * blocks.length + compressedBytes);
  const view = new DataView(out.buffer);
  out.set(SNAPPY_JAVA_MAGIC, 0);
  view.setInt32(SNAPPY_JAVA_MAGIC.length, SNAPPY_JAVA_VERSION);
  view.setInt32(SNAPPY_JAVA_MAGIC.length + 4, SNAPPY_JAVA_COMPATIBLE_VERSION);
  let at = SNAPPY_JAVA_HEADER_BYTES;
  for (const block of blocks) {
    view.setInt32(at, block.length);
    out.set(block, at + 4);
    at += 4 + block.length;
  }
  if (at !== out.length) throw new Error(`snappy-java stream: wrote ${at} of ${out.length} bytes`);
  return out;
}

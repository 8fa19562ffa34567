// Firehose's `HADOOP_SNAPPY` container: Hadoop's BlockCompressorStream framing (hadoop-common
// org.apache.hadoop.io.compress.BlockCompressorStream, read back by BlockDecompressorStream), as
// snappy-java's SnappyHadoopCompatibleOutputStream writes it (FIREHOSE-FACTS.md §1.7): no stream
// header; per block `[int32be uncompressedBlockLength]` then its compressed chunks, each
// `[int32be compressedLength][raw snappy block]`. Like snappy-java, one chunk per 32 KiB block.
import { snappyBlocks, SNAPPY_BLOCK_BYTES } from './snappy-java.js';

/**
 * `data` in Hadoop's block framing. Empty input gives no bytes, as SnappyHadoopCompatibleOutputStream
 * writes nothing when nothing was written to it (BlockDecompressorStream reads end of stream at a
 * block boundary as the end). The result owns its ArrayBuffer (offset 0, exact length).
 */
export function hadoopSnappy(data: Uint8Array): Uint8Array {
  const { blocks, compressedBytes } = snappyBlocks(data);
  const out = new Uint8Array(8 * blocks.length + compressedBytes);
  const view = new DataView(out.buffer);
  let at = 0;
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i] as Buffer;
    view.setInt32(at, Math.min(SNAPPY_BLOCK_BYTES, data.length - i * SNAPPY_BLOCK_BYTES));
    view.setInt32(at + 4, block.length);
    out.set(block, at + 8);
    at += 8 + block.length;
  }
  if (at !== out.length) throw new Error(`hadoop-snappy: wrote ${at} of ${out.length} bytes`);
  return out;
}

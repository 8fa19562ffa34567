/**
 * The one module that loads the native addon (native-bindings/, built by node-gyp at install).
 * Falls back to the TypeScript twins, with the same answers, when the addon is missing or when
 * RIFFLE_NATIVE=0, and says so once. Arguments are validated here; the C++ asserts them again.
 */
import { fdatasyncSync } from 'node:fs';
import { createRequire } from 'node:module';
import { crc32c as crc32cTwin } from './crc32c.js';
import { md5Into } from './md5.js';
import { findRangeBytes, packIngest, routeSpans, scanIngest, SPAN_WORDS } from './ingest.js';

export { findRangeBytes };

export interface NativeApi {
  /** Writes MD5 of each key (keys[offsets[i], offsets[i+1])) to out[16i, 16i+16). */
  md5Batch(keys: Uint8Array, offsets: Uint32Array, out: Uint8Array): void;
  /** For each key: MD5 → 128-bit hash key → index of the last 16-byte start in `starts` <= it. */
  routeBatch(keys: Uint8Array, offsets: Uint32Array, starts: Uint8Array, out: Uint32Array): void;
  crc32c(data: Uint8Array, crc?: number): number;
  readonly crc32cHardware: boolean;
  /**
   * Reads `count` ingest records (docs/ws-protocol.md) from frame[pos..]: fills `spans` (5 words
   * per record, see ingest.ts) and returns a SCAN status; on an error, `err` says where.
   */
  scanIngest(frame: Uint8Array, pos: number, count: number, spans: Uint32Array, err: Int32Array): number;
  /** Shard index of each scanned record: its explicit hash key, or MD5 of its partition key. */
  routeSpans(frame: Uint8Array, spans: Uint32Array, count: number, starts: Uint8Array, out: Uint32Array): void;
  /**
   * Copies the records routed to `owner`'s shards (all when owner < 0) into dst at dstOffset, in
   * the INGEST owner-message layout. Returns the bytes written, or -1 if dst is too small.
   */
  packIngest(
    frame: Uint8Array,
    spans: Uint32Array,
    count: number,
    routes: Uint32Array,
    shardGids: Uint32Array,
    shardOwners: Uint32Array,
    owner: number,
    dst: Uint8Array,
    dstOffset: number,
  ): number;
  /**
   * Runs a copy plan: entry i is plan[4i..4i+4) = (arena index, arena offset, src offset, length).
   * Copies out of a SharedArrayBuffer at memcpy speed, in one call for a whole owner message.
   */
  copyPlan(src: Uint8Array, plan: Uint32Array, count: number, arenas: readonly Uint8Array[]): void;
  /**
   * Writes segment-file frames (log/segment-codec.ts) for `count` records into dst; per record
   * meta[6i..6i+6) = (arena index, offset, key length, data length, counter, arrival ms), the key
   * and data read from that arena. Returns the bytes written. One call per durable commit.
   */
  frameRecords(dst: Uint8Array, meta: Float64Array, count: number, arenas: readonly Uint8Array[]): number;
  /**
   * fdatasync of fds[0, count), all at once (one thread each; the twin does them in turn). Sets
   * errs[i] to 0 or the errno of that sync; returns when every one is done.
   */
  fdatasyncAll(fds: Int32Array, count: number, errs: Int32Array): void;
}

const digest = new Uint8Array(16);

export const typescriptTwin: NativeApi = {
  md5Batch(keys, offsets, out) {
    for (let i = 0; i + 1 < offsets.length; i++) md5Into(keys, offsets[i] as number, (offsets[i + 1] as number) - (offsets[i] as number), out, 16 * i);
  },
  routeBatch(keys, offsets, starts, out) {
    for (let i = 0; i + 1 < offsets.length; i++) {
      md5Into(keys, offsets[i] as number, (offsets[i + 1] as number) - (offsets[i] as number), digest, 0);
      out[i] = findRangeBytes(starts, digest, 0);
    }
  },
  crc32c: crc32cTwin,
  crc32cHardware: false,
  scanIngest,
  routeSpans,
  packIngest,
  frameRecords(dst, meta, count, arenas) {
    const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const [a, offset, keyLen, dataLen, seq, arrival] = meta.subarray(6 * i, 6 * i + 6) as unknown as number[];
      const arena = arenas[a as number];
      if (arena === undefined || (offset as number) + (keyLen as number) + (dataLen as number) > arena.length || (keyLen as number) > 65535) {
        throw new RangeError('frameRecords: an entry runs past its arena');
      }
      const payload = 18 + (keyLen as number) + (dataLen as number);
      if (dst.length - at < 8 + payload) throw new RangeError('frameRecords: dst is too small');
      view.setUint32(at, payload, true);
      view.setFloat64(at + 8, seq as number, true);
      view.setFloat64(at + 16, arrival as number, true);
      view.setUint16(at + 24, keyLen as number, true);
      dst.set(arena.subarray(offset as number, (offset as number) + (keyLen as number) + (dataLen as number)), at + 26);
      view.setUint32(at + 4, crc32cTwin(dst.subarray(at + 8, at + 8 + payload)), true);
      at += 8 + payload;
    }
    return at;
  },
  fdatasyncAll(fds, count, errs) {
    for (let i = 0; i < count; i++) {
      try {
        fdatasyncSync(fds[i] as number);
        errs[i] = 0;
      } catch (err) {
        errs[i] = -((err as NodeJS.ErrnoException).errno ?? -5); // Node's errno is negative
      }
    }
  },
  copyPlan(src, plan, count, arenas) {
    for (let i = 0; i < count; i++) {
      const arena = arenas[plan[4 * i] as number];
      const to = plan[4 * i + 1] as number;
      const from = plan[4 * i + 2] as number;
      const len = plan[4 * i + 3] as number;
      if (arena === undefined || to + len > arena.length || from + len > src.length) {
        throw new RangeError('copyPlan: an entry runs past its arena or the source');
      }
    }
    for (let i = 0; i < count; i++) {
      const from = plan[4 * i + 2] as number;
      (arenas[plan[4 * i] as number] as Uint8Array).set(src.subarray(from, from + (plan[4 * i + 3] as number)), plan[4 * i + 1] as number);
    }
  },
};

function checkKeys(keys: Uint8Array, offsets: Uint32Array): number {
  const count = offsets.length - 1;
  if (count < 0 || offsets[0] !== 0 || (offsets[count] as number) > keys.length) throw new RangeError('offsets must start at 0 and end within keys');
  for (let i = 0; i < count; i++) if ((offsets[i + 1] as number) < (offsets[i] as number)) throw new RangeError('offsets must not decrease');
  return count;
}

/** Wraps an implementation with the argument checks both share. */
function checked(impl: NativeApi): NativeApi {
  return {
    md5Batch(keys, offsets, out) {
      const count = checkKeys(keys, offsets);
      if (out.length !== count * 16) throw new RangeError(`out must be ${count * 16} bytes`);
      impl.md5Batch(keys, offsets, out);
    },
    routeBatch(keys, offsets, starts, out) {
      const count = checkKeys(keys, offsets);
      if (starts.length === 0 || starts.length % 16 !== 0) throw new RangeError('starts must hold 16-byte hash keys');
      if (out.length !== count) throw new RangeError(`out must hold ${count} entries`);
      impl.routeBatch(keys, offsets, starts, out);
    },
    crc32c: (data, crc = 0) => impl.crc32c(data, crc),
    crc32cHardware: impl.crc32cHardware,
    scanIngest(frame, pos, count, spans, err) {
      if (spans.length < count * SPAN_WORDS) throw new RangeError(`spans must hold ${count * SPAN_WORDS} entries`);
      if (err.length < 4) throw new RangeError('err must hold 4 entries');
      if (!(pos >= 0 && pos <= frame.length)) throw new RangeError('pos must be within the frame');
      return impl.scanIngest(frame, pos, count, spans, err);
    },
    routeSpans(frame, spans, count, starts, out) {
      if (spans.length < count * SPAN_WORDS) throw new RangeError(`spans must hold ${count * SPAN_WORDS} entries`);
      if (starts.length === 0 || starts.length % 16 !== 0) throw new RangeError('starts must hold 16-byte hash keys');
      if (out.length < count) throw new RangeError(`out must hold ${count} entries`);
      impl.routeSpans(frame, spans, count, starts, out);
    },
    packIngest(frame, spans, count, routes, shardGids, shardOwners, owner, dst, dstOffset) {
      if (spans.length < count * SPAN_WORDS || routes.length < count) throw new RangeError('spans and routes must cover count records');
      if (shardGids.length === 0 || shardGids.length !== shardOwners.length) throw new RangeError('shardGids and shardOwners must have one entry per shard');
      return impl.packIngest(frame, spans, count, routes, shardGids, shardOwners, owner, dst, dstOffset);
    },
    frameRecords(dst, meta, count, arenas) {
      if (meta.length < count * 6) throw new RangeError('meta must hold 6 entries per record');
      return impl.frameRecords(dst, meta, count, arenas);
    },
    fdatasyncAll(fds, count, errs) {
      if (!(Number.isInteger(count) && count >= 0 && count <= 4096 && fds.length >= count && errs.length >= count)) throw new RangeError('fds and errs must hold count entries');
      impl.fdatasyncAll(fds, count, errs);
    },
    copyPlan(src, plan, count, arenas) {
      // Each entry's bounds are checked by the implementation (C++ before copying anything).
      if (plan.length < count * 4) throw new RangeError('plan must hold 4 entries per copy');
      impl.copyPlan(src, plan, count, arenas);
    },
  };
}

export type NativeKind = 'native' | 'typescript';

function load(): { api: NativeApi; kind: NativeKind } {
  if (process.env.RIFFLE_NATIVE === '0') return { api: typescriptTwin, kind: 'typescript' };
  try {
    const require = createRequire(import.meta.url);
    const addon = require('../../native-bindings/build/Release/riffle_native.node') as NativeApi;
    // A build from an older checkout lacks newer exports: use the twin rather than fail mid-request.
    const missing = (Object.keys(typescriptTwin) as Array<keyof NativeApi>).filter((name) => typeof addon[name] !== typeof typescriptTwin[name]);
    if (missing.length > 0) throw new Error(`the build lacks ${missing.join(', ')}; run npm install to rebuild it`);
    return { api: addon, kind: 'native' };
  } catch (err) {
    console.warn(`riffle: native addon not loaded (${(err as Error).message.split('\n')[0]}); using the TypeScript twin`);
    return { api: typescriptTwin, kind: 'typescript' };
  }
}

const loaded = load();
/** The implementation in use: the addon, or its TypeScript twin. */
export const native: NativeApi = checked(loaded.api);
export const nativeKind: NativeKind = loaded.kind;
/** Both, checked, for tests and benchmarks that compare them. */
export const implementations = {
  typescript: checked(typescriptTwin),
  native: loaded.kind === 'native' ? native : null,
} as const;

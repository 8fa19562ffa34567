// What the Firehose benchmark checks and times on the delivery side: a watcher that notes when each
// object appears in the --s3-dir layout under its final name (inotify through fs.watch, one watcher
// per directory, plus a slow rescan that catches anything an event missed), and decoders for the
// five CompressionFormat containers that give back the records an object holds.
import { readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { join, relative } from 'node:path';
import { crc32, gunzipSync, inflateRawSync } from 'node:zlib';
import snappy from 'snappy';
import { readSeq } from './events.mjs';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const wallMs = () => performance.timeOrigin + performance.now();

/** Names that are never objects: DirSink's temporary files and metadata directories. */
const reserved = (name) => name.startsWith('.riffle-');
const RESCAN_MS = 250;

/**
 * Notes the time each object under `root` (a bucket's directory) first appears. Objects are
 * renamed into place by the sink, so an inotify rename event on a directory is the moment the
 * object becomes visible under its final name.
 */
export class ObjectWatcher {
  constructor(root) {
    this.root = root;
    /** relative key → { atMs, late } (late: found by a rescan, not an event). */
    this.seen = new Map();
    this.watchers = new Map();
    this.lastNewMs = 0;
    this.rescan = setInterval(() => this.scan(this.root, true), RESCAN_MS);
    this.attach(root);
  }

  attach(dir) {
    if (this.watchers.has(dir)) return;
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || reserved(name)) return;
        this.found(join(dir, name), wallMs(), false);
      });
      w.on('error', () => undefined); // a directory removed under it: the rescan says the rest
      this.watchers.set(dir, w);
    } catch {
      return;
    }
    // What appeared before the watcher was attached (mkdir -p makes a whole path at once).
    this.scan(dir, false);
  }

  found(path, atMs, late) {
    let st;
    try {
      st = statSync(path);
    } catch {
      return; // gone again (a temp file, a removed directory)
    }
    if (st.isDirectory()) return this.attach(path);
    const key = relative(this.root, path);
    if (this.seen.has(key)) return;
    this.seen.set(key, { atMs, late });
    this.lastNewMs = atMs;
  }

  scan(dir, late) {
    let names;
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    const now = wallMs();
    for (const name of names) {
      if (reserved(name)) continue;
      const path = join(dir, name);
      if (this.watchers.has(path)) this.scan(path, late);
      else this.found(path, now, late);
    }
  }

  /** Resolves once no new object has appeared for `quietMs` (counting from the call), or after `maxMs`. */
  async quiet(quietMs, maxMs) {
    const start = wallMs();
    for (;;) {
      this.scan(this.root, true);
      const now = wallMs();
      if (now - Math.max(this.lastNewMs, start) >= quietMs || now - start > maxMs) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close() {
    clearInterval(this.rescan);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}

/** The records an object of `format` holds (its body before compression); throws on a malformed container. */
export function decodeObject(format, buf) {
  switch (format) {
    case 'UNCOMPRESSED':
      return buf;
    case 'GZIP':
      return gunzipSync(buf);
    case 'ZIP':
      return unzipSingle(buf);
    case 'Snappy':
      return unSnappyJava(buf);
    case 'HADOOP_SNAPPY':
      return unHadoopSnappy(buf);
    default:
      throw new Error(`unknown format ${format}`);
  }
}

function unzipSingle(buf) {
  if (buf.readUInt32LE(0) !== 0x04034b50) throw new Error('zip: no local file header');
  const method = buf.readUInt16LE(8);
  const crc = buf.readUInt32LE(14);
  const csize = buf.readUInt32LE(18);
  const usize = buf.readUInt32LE(22);
  const at = 30 + buf.readUInt16LE(26) + buf.readUInt16LE(28);
  const raw = buf.subarray(at, at + csize);
  const data = method === 8 ? inflateRawSync(raw) : method === 0 ? raw : null;
  if (data === null) throw new Error(`zip: method ${method}`);
  if (data.length !== usize || crc32(data) !== crc) throw new Error('zip: size or CRC does not match');
  return data;
}

const SNAPPY_JAVA_HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

function unSnappyJava(buf) {
  if (!buf.subarray(0, 8).equals(SNAPPY_JAVA_HEADER)) throw new Error('snappy-java: no magic header');
  const parts = [];
  let at = 16;
  while (at < buf.length) {
    const n = buf.readInt32BE(at);
    parts.push(snappy.uncompressSync(buf.subarray(at + 4, at + 4 + n)));
    at += 4 + n;
  }
  if (at !== buf.length) throw new Error('snappy-java: truncated block');
  return Buffer.concat(parts);
}

function unHadoopSnappy(buf) {
  const parts = [];
  let at = 0;
  while (at < buf.length) {
    const blockBytes = buf.readInt32BE(at);
    at += 4;
    let got = 0;
    while (got < blockBytes) {
      const n = buf.readInt32BE(at);
      const chunk = snappy.uncompressSync(buf.subarray(at + 4, at + 4 + n));
      parts.push(chunk);
      got += chunk.length;
      at += 4 + n;
    }
    if (got !== blockBytes) throw new Error('hadoop-snappy: block length does not match');
  }
  return Buffer.concat(parts);
}

/**
 * The records in the objects a watcher saw, decoded once per object: `update()` reads the objects
 * that appeared since the last call. Each object's records (`recordBytes` long, events.mjs's) are
 * kept as their seqs, with the time the object appeared.
 */
export class DeliveredRecords {
  constructor(watcher, format, recordBytes) {
    Object.assign(this, { watcher, format, recordBytes });
    /** key → { atMs, seqs: Int32Array, storedBytes } */
    this.objects = new Map();
    this.storedBytes = 0;
    this.records = 0;
    this.malformed = 0;
  }

  update() {
    for (const [key, { atMs }] of this.watcher.seen) {
      if (this.objects.has(key)) continue;
      let stored;
      try {
        stored = readFileSync(join(this.watcher.root, key));
      } catch {
        continue; // not readable yet: the next update tries again
      }
      let body;
      try {
        body = decodeObject(this.format, stored);
      } catch {
        body = null;
      }
      const seqs = [];
      let bad = body === null || body.length % this.recordBytes !== 0;
      for (let at = 0; body !== null && at + this.recordBytes <= body.length; at += this.recordBytes) {
        const seq = readSeq(body, at);
        if (seq < 0) {
          bad = true;
          break;
        }
        seqs.push(seq);
      }
      if (bad) this.malformed++;
      this.objects.set(key, { atMs, seqs: Int32Array.from(seqs), storedBytes: stored.length });
      this.storedBytes += stored.length;
      this.records += seqs.length;
    }
    return this;
  }
}

/** Sum of the sizes of the files under `dir` (what the objects take on disk). */
export function treeBytes(dir) {
  let n = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) n += e.isDirectory() ? treeBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

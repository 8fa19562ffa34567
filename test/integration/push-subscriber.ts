import { createHash } from 'node:crypto';
import WebSocket from 'ws';

/** A record as WebSocket push delivered it (docs/ws-protocol.md, "Push"). */
export interface Pushed {
  shardIndex: number;
  counter: number;
  key: string;
  data: string;
}

/** A subscriber connection: decodes RECORDS frames, keeps control messages and per-shard continuations. */
export class Subscriber {
  readonly records: Pushed[] = [];
  /** MD5 (hex) of each record's data bytes as pushed, in the order of `records` (for data that is not text). */
  readonly md5s: string[] = [];
  readonly control: Array<Record<string, unknown>> = [];
  readonly continuation = new Map<number, number>();
  malformed = 0;
  readonly ws: WebSocket;
  readonly opened: Promise<void>;

  constructor(port: number, request: unknown) {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/subscribe`);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => {
        this.ws.send(typeof request === 'string' ? request : JSON.stringify(request));
        resolve();
      });
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data: Buffer, binary: boolean) => {
      if (!binary) return void this.control.push(JSON.parse(data.toString()) as Record<string, unknown>);
      // Well formed: type RECORDS, version 1, and its records end exactly at its end.
      const count = data.length >= 28 ? data.readUInt32LE(24) : 0;
      let end = 28;
      for (let i = 0; i < count && end + 22 <= data.length; i++) end += 22 + data.readUInt16LE(end + 16) + data.readUInt32LE(end + 18);
      if (data[0] !== 4 || data[1] !== 1 || end !== data.length) return void this.malformed++;
      const shardIndex = data.readUInt32LE(4);
      this.continuation.set(shardIndex, data.readDoubleLE(16));
      let at = 28;
      for (let i = 0; i < count; i++) {
        const counter = data.readDoubleLE(at);
        const keyLen = data.readUInt16LE(at + 16);
        const dataLen = data.readUInt32LE(at + 18);
        at += 22;
        const key = data.toString('utf8', at, at + keyLen);
        at += keyLen;
        this.records.push({ shardIndex, counter, key, data: data.toString('utf8', at, at + dataLen) });
        this.md5s.push(createHash('md5').update(data.subarray(at, at + dataLen)).digest('hex'));
        at += dataLen;
      }
    });
  }

  async until(cond: () => boolean, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (this.malformed > 0) throw new Error(`${this.malformed} malformed frames`);
      if (Date.now() > end) throw new Error(`timed out: ${this.records.length} records, control ${JSON.stringify(this.control)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}


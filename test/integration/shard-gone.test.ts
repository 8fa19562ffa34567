import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Riffle } from 'riffle';
import { encodeShardControl, MSG, type OwnerPool, type Shard } from 'riffle/internal';

// A shard its owner no longer has while the stream still lists it (a batch on its way while the
// stream is deleted): the owner answers SHARD_NOT_FOUND for its records, and each client sees
// what AWS and the WebSocket protocol allow there: InternalFailure per PutRecords record (its only
// per-record codes are that and ProvisionedThroughputExceededException), status 2 in an ACK.
// Records on the other shards are stored, in place.
let riffle: Riffle;
let streamPort: number;
beforeAll(async () => {
  riffle = await Riffle.start({ throttle: false, workers: 2, port: 0, streamPort: 0 });
  ({ streamPort } = await riffle.listen());
});
afterAll(async () => {
  await riffle.close();
});

/** Deletes the shard at its owner only: the engine still routes records to it. */
async function dropAtOwner(name: string, index: number): Promise<Shard> {
  const shard = riffle.engine.streams.get({ name }).shards[index] as Shard;
  const pool = (riffle.engine as unknown as { pool: OwnerPool }).pool;
  await pool.request(shard.owner, (id) => encodeShardControl(MSG.DELETE_SHARD, id, shard.gid), () => undefined);
  return shard;
}

/** Keys that MD5 onto shard 0 and shard 1 of a 2-shard stream (test/golden/partition-keys.json). */
const ON_SHARD_0 = 'user_123';
const ON_SHARD_1 = 'abc';

it('PutRecords (both paths) and PutRecord report InternalFailure for the gone shard and store the rest', async () => {
  await riffle.kinesis.createStream({ StreamName: 'gone', ShardCount: 2 });
  const shards = riffle.engine.streams.get({ name: 'gone' }).shards;
  expect(shards.map((s) => s.owner)).toEqual([0, 1]); // one shard per owner: both reply paths
  await dropAtOwner('gone', 0);
  const keys = [ON_SHARD_0, ON_SHARD_1, ON_SHARD_0, ON_SHARD_1];
  // The packed fast path (wire-shaped input: base64 data, as decoded from JSON) and the object path.
  const packed = await riffle.call('PutRecords', { StreamName: 'gone', Records: keys.map((k) => ({ PartitionKey: k, Data: 'eA==' })) });
  const objects = await riffle.kinesis.putRecords({ StreamName: 'gone', Records: keys.map((k) => ({ PartitionKey: k, Data: Buffer.from('x'), ExplicitHashKey: k === ON_SHARD_0 ? '0' : undefined })) });
  for (const out of [packed, objects] as Array<{ FailedRecordCount: number; Records: Array<Record<string, string>> }>) {
    expect(out.FailedRecordCount).toBe(2);
    expect(out.Records.map((r) => r.ErrorCode ?? r.ShardId)).toEqual(['InternalFailure', 'shardId-000000000001', 'InternalFailure', 'shardId-000000000001']);
    expect(out.Records[0]).toEqual({ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' });
  }
  await expect(riffle.kinesis.putRecord({ StreamName: 'gone', PartitionKey: ON_SHARD_0, Data: Buffer.from('x') })).rejects.toMatchObject({
    code: 'InternalFailure',
    message: 'Internal service failure.',
  });
});

/** A WebSocket ingest PUT of one-byte records with these keys; resolves with the ACK's statuses and shard indexes. */
async function ingest(streamName: string, keys: string[]): Promise<Array<{ status: number; shard: number }>> {
  const name = Buffer.from(streamName);
  const records = keys.map((k) => {
    const key = Buffer.from(k);
    const head = Buffer.alloc(3);
    head.writeUInt16LE(key.length, 1);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(1);
    return Buffer.concat([head, key, len, Buffer.from('y')]);
  });
  const head = Buffer.alloc(8);
  head.writeUInt8(1, 0); // PUT
  head.writeUInt8(1, 1); // version
  head.writeUInt32LE(7, 4); // batch id
  const nameLen = Buffer.alloc(2);
  nameLen.writeUInt16LE(name.length);
  const count = Buffer.alloc(4);
  count.writeUInt32LE(records.length);
  const ws = new WebSocket(`ws://127.0.0.1:${streamPort}/ingest`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const reply = new Promise<Buffer>((resolve) => ws.once('message', (data) => resolve(data as Buffer)));
  ws.send(Buffer.concat([head, nameLen, name, count, ...records]));
  const ack = await reply;
  ws.close();
  expect(ack.readUInt8(0)).toBe(2); // an ACK, not an ERROR
  return Array.from({ length: ack.readUInt32LE(16) }, (_, i) => ({ status: ack.readUInt8(20 + 13 * i), shard: ack.readUInt32LE(21 + 13 * i) }));
}

it('answers status 2 (internal failure) in a WebSocket ACK for records of the gone shard, from one owner or several', async () => {
  await riffle.kinesis.createStream({ StreamName: 'gone-ws', ShardCount: 2 });
  await dropAtOwner('gone-ws', 0);
  // Records for both owners: their entries are put back in record order.
  const mixed = await ingest('gone-ws', [ON_SHARD_0, ON_SHARD_1, ON_SHARD_0]);
  expect(mixed.map((e) => e.status)).toEqual([2, 0, 2]);
  expect(mixed[1]?.shard).toBe(1);
  // Records for the gone shard's owner only: its reply is the ACK's entries as they are.
  const single = await ingest('gone-ws', [ON_SHARD_0, ON_SHARD_0]);
  expect(single.map((e) => e.status)).toEqual([2, 2]);
});

it('answers ResourceNotFoundException to reads of the gone shard, as AWS answers for a shard that does not exist', async () => {
  await riffle.kinesis.createStream({ StreamName: 'gone-read', ShardCount: 1 });
  const { ShardIterator } = await riffle.kinesis.getShardIterator({ StreamName: 'gone-read', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' });
  await dropAtOwner('gone-read', 0);
  const gone = { code: 'ResourceNotFoundException', message: 'Shard shardId-000000000000 in stream gone-read under account 000000000000 does not exist' };
  await expect(riffle.kinesis.getRecords({ ShardIterator })).rejects.toMatchObject(gone);
  await expect(riffle.kinesis.getShardIterator({ StreamName: 'gone-read', ShardId: 'shardId-000000000000', ShardIteratorType: 'LATEST' })).rejects.toMatchObject(gone);
});

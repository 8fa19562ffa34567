// The normal client of the hostile run, as its own process so that the attackers' work in the
// orchestrator does not show up in its latencies. Two AWS SDK v3 Kinesis clients, as users run
// them: the default one (NodeHttp2Handler, h2c) against the AWS port and one over HTTP/1.1
// keep-alive (NodeHttpHandler) against the stream port. Each sends, on a fixed schedule (open loop:
// a stalled server piles requests up instead of hiding them), a PutRecord to one of its shards
// followed by a GetRecords of that shard (or, when it has no iterator in hand, a GetShardIterator),
// round robin over its shards so that no shard passes its 5 reads/s. Every call is one attempt (maxAttempts 1) with a time limit; results go to the
// parent over IPC as [client, op, startMs, ms, httpStatus, errorName] rows (client 0: AWS port over
// h2c, 1: stream port over HTTP/1.1; op 0: PutRecord, 1: GetRecords, 2: a tick skipped).
//   parent → child: { type: 'target', port, streamPort, stream, shards: [{ id, hashKey }], perSec, timeoutMs }
//                   { type: 'stop' }
//   child → parent: { type: 'ready' } once iterators are in hand, { type: 'samples', rows }
// HOSTILE_DEBUG=1 in the environment prints every failed call (time, error, message) to stderr.
import http from 'node:http';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const credentials = { accessKeyId: 'AKIDHOSTILE', secretAccessKey: 'hostile-bench' };
/** Iterations in flight per client at most; past it a tick is recorded as skipped (the server is stalling). */
const IN_FLIGHT_MAX = 32;
const FLUSH_MS = 200;

let rows = [];
let loops = [];

function flush() {
  if (rows.length === 0 || !process.connected) return;
  process.send({ type: 'samples', rows });
  rows = [];
}
const flushing = setInterval(flush, FLUSH_MS);

function makeClient(kind, target) {
  if (kind === 0) return new KinesisClient({ endpoint: `http://127.0.0.1:${target.port}`, region: 'us-east-1', credentials, maxAttempts: 1 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT_MAX });
  return new KinesisClient({ endpoint: `http://127.0.0.1:${target.streamPort}`, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
}

/** One client's loop over its shards; returns { stop }. */
async function startLoop(kind, target, shards) {
  const client = makeClient(kind, target);
  const iterators = new Map();
  const timed = async (op, command) => {
    const t0 = Date.now();
    const p0 = performance.now();
    const abortSignal = AbortSignal.timeout(target.timeoutMs);
    try {
      const out = await client.send(command, { abortSignal });
      rows.push([kind, op, t0, performance.now() - p0, 200, '']);
      return out;
    } catch (err) {
      // The body budget's 503 is load, not a fault: told apart by its message.
      const budget = err?.name === 'ServiceUnavailable' && /request bodies/.test(err?.message ?? '') ? ' (body budget)' : '';
      const name = abortSignal.aborted ? 'Timeout' : `${err?.name ?? 'Error'}${budget}`;
      if (process.env.HOSTILE_DEBUG) console.error('normal', kind, op, new Date().toISOString(), name, err?.message?.slice(0, 200), err?.code);
      rows.push([kind, op, t0, performance.now() - p0, err?.$metadata?.httpStatusCode ?? 0, String(name).slice(0, 80)]);
      return null;
    }
  };
  // A shard's iterator: the one the last GetRecords returned, else a fresh one (that call is timed
  // and counted as the read's, so a failing GetShardIterator shows as a failed read, not a 0 ms one).
  const iterator = async (shard, timedCall) => {
    const cached = iterators.get(shard.id);
    if (cached !== undefined) return cached;
    const command = new GetShardIteratorCommand({ StreamName: target.stream, ShardId: shard.id, ShardIteratorType: 'LATEST' });
    const out = timedCall ? await timed(1, command) : await client.send(command, { abortSignal: AbortSignal.timeout(target.timeoutMs) }).catch(() => null);
    return out?.ShardIterator ?? null;
  };
  for (const shard of shards) {
    const it = await iterator(shard, false);
    if (it !== null) iterators.set(shard.id, it);
  }
  let n = 0;
  let inFlight = 0;
  const data = Buffer.alloc(100, 0x61);
  const once = async (shard) => {
    await timed(0, new PutRecordCommand({ StreamName: target.stream, PartitionKey: 'normal', ExplicitHashKey: shard.hashKey, Data: data }));
    const it = await iterator(shard, true);
    if (it === null) return;
    const out = await timed(1, new GetRecordsCommand({ ShardIterator: it, Limit: 100 }));
    if (out?.NextShardIterator !== undefined) iterators.set(shard.id, out.NextShardIterator);
    else iterators.delete(shard.id); // expired, or an error: a fresh one next time
  };
  const tick = setInterval(() => {
    if (inFlight >= IN_FLIGHT_MAX) return void rows.push([kind, 2, Date.now(), 0, 0, 'Skipped']);
    inFlight++;
    once(shards[n++ % shards.length]).finally(() => inFlight--);
  }, 1000 / target.perSec);
  return {
    stop: () => {
      clearInterval(tick);
      client.destroy();
    },
  };
}

process.on('message', async (msg) => {
  if (msg.type === 'stop') {
    for (const l of loops) l.stop();
    clearInterval(flushing);
    flush();
    process.disconnect();
    setTimeout(() => process.exit(0), 100).unref();
    return;
  }
  if (msg.type === 'target') {
    for (const l of loops) l.stop();
    const half = Math.ceil(msg.shards.length / 2);
    loops = await Promise.all([startLoop(0, msg, msg.shards.slice(0, half)), startLoop(1, msg, msg.shards.slice(half))]);
    process.send({ type: 'ready' });
  }
});

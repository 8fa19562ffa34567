import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, uniqueName, type RunningServer } from './harness.js';
import { needTool, PYTHON_WITH_BOTO3 } from './tools.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./boto3_flow.py', import.meta.url));
const fanout = fileURLToPath(new URL('./boto3_fanout.py', import.meta.url));
const reshard = fileURLToPath(new URL('./boto3_reshard.py', import.meta.url));

/** $RIFFLE_PYTHON, else python3 on PATH, else /usr/bin/python3: the first that imports boto3. */
const python = await needTool(PYTHON_WITH_BOTO3);

describe.runIf(python)('boto3', () => {
  const py = (...args: string[]) => run(python!.command, args, { timeout: 60_000 });

  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('works with boto3: waiter, PutRecords, ListShards, GetRecords and modeled errors', async () => {
    const { stdout } = await py(script, `http://127.0.0.1:${server.port}`, uniqueName('boto'));
    const out = JSON.parse(stdout) as { failed: number; seen: string[]; arrivalType: string; error: { code: string; message: string; status: number } };
    expect(out.failed).toBe(0);
    expect(out.seen).toEqual(Array.from({ length: 20 }, (_, i) => `boto-${i}`).sort());
    expect(out.arrivalType).toBe('datetime');
    expect(out.error).toEqual({ code: 'ResourceNotFoundException', message: 'Stream no-such-stream under account 000000000000 not found.', status: 400 });
  });

  it('works with boto3 for enhanced fan-out: SubscribeToShard event stream over HTTP/1.1, and its errors', async () => {
    const { stdout } = await py(fanout, `http://127.0.0.1:${server.port}`, uniqueName('botoefo'));
    const out = JSON.parse(stdout) as { seen: string[]; inOrder: boolean; continuationIsLast: boolean; arrivalType: string; errors: Record<string, string> };
    expect(out.seen).toEqual(Array.from({ length: 30 }, (_, i) => `efo-${i}`));
    expect(out.inOrder).toBe(true);
    expect(out.continuationIsLast).toBe(true);
    expect(out.arrivalType).toBe('datetime');
    expect(out.errors).toEqual({ again: 'ResourceInUseException', unknown: 'ResourceNotFoundException', noSequence: 'InvalidArgumentException', badArn: 'ValidationException' });
    expect(server.alive()).toBe(true);
  });

  it('works with boto3 for resharding: split_shard, update_shard_count, list_shards with a ShardFilter, lineage over get_records, and the errors', async () => {
    const { stdout } = await py(reshard, `http://127.0.0.1:${server.port}`, uniqueName('botors'));
    const out = JSON.parse(stdout) as { afterShard: string; scaled: Record<string, number>; shards: number; latest: string[]; parents: Record<string, Array<string | null>>; seen: string[]; errors: Record<string, string> };
    expect(out.afterShard).toBe('shardId-000000000002'); // "k" hashes at or above 2^127
    expect(out.scaled).toEqual({ CurrentShardCount: 2, TargetShardCount: 3 });
    expect(out.latest).toHaveLength(3);
    expect(out.parents['shardId-000000000001']).toEqual(['shardId-000000000000', null]);
    expect(out.seen).toEqual(['before', 'after']);
    expect(out.errors).toEqual({ closed: 'InvalidArgumentException', double: 'UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 3, Target shard count: 7' });
  });
});

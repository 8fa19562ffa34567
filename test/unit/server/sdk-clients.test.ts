// The real AWS SDK v3 KinesisClient against both endpoints: its default handler (NodeHttp2Handler,
// h2c prior knowledge over http://) and NodeHttpHandler (HTTP/1.1). Only the endpoint changes.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { KinesisClient, ListStreamsCommand, type ListStreamsCommandInput } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startAwsEndpoint } from '../../../src/server/aws-endpoint.js';
import { startUwsEndpoint } from '../../../src/server/uws-adapter.js';
import type { RunningEndpoint } from '../../../src/server/endpoint-options.js';
import { CREATED_AT, SECRET, TestService } from './helpers.js';

const cases = [
  ['node endpoint, default handler (HTTP/2)', startAwsEndpoint, false],
  ['node endpoint, NodeHttpHandler (HTTP/1.1)', startAwsEndpoint, true],
  ['uWS endpoint, NodeHttpHandler (HTTP/1.1)', startUwsEndpoint, true],
] as const;

describe.each(cases)('KinesisClient via %s', (_name, start, http1) => {
  const service = new TestService();
  let endpoint: RunningEndpoint;
  let kinesis: KinesisClient;
  beforeAll(async () => {
    endpoint = await start({ host: '127.0.0.1', port: 0, services: [service] });
    kinesis = new KinesisClient({
      endpoint: `http://127.0.0.1:${endpoint.port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      maxAttempts: 1, // InternalFailure is retryable; one attempt keeps the assertions exact
      ...(http1 ? { requestHandler: new NodeHttpHandler({ requestTimeout: 5_000 }) } : {}),
    });
  });
  afterAll(async () => {
    kinesis.destroy();
    await endpoint.close();
  });
  afterEach(() => vi.restoreAllMocks());
  const send = (input: ListStreamsCommandInput) =>
    kinesis.send(new ListStreamsCommand(input), { abortSignal: AbortSignal.timeout(5_000) });

  it('calls ListStreams and decodes the JSON reply, timestamps included', async () => {
    const out = await send({ Limit: 7 });
    expect(out.StreamNames).toEqual(['s1']);
    expect(out.HasMoreStreams).toBe(false);
    expect(out.StreamSummaries?.[0]?.StreamCreationTimestamp).toEqual(CREATED_AT);
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(service.inputs.at(-1)).toEqual({ Limit: 7 });
  });

  it('surfaces a AwsError as the modeled exception', async () => {
    const err = await send({ ExclusiveStartStreamName: 'missing' }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Stream missing under account 000000000000 not found.',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('surfaces a crash as a generic InternalFailure', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const err = await send({ ExclusiveStartStreamName: 'crash' }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'InternalFailure',
      message: 'The request processing has failed because of an unknown error, exception or failure.',
      $metadata: { httpStatusCode: 500 },
    });
    expect(JSON.stringify(err)).not.toContain(SECRET);
    expect((await send({})).StreamNames).toEqual(['s1']); // still serving
  });
});

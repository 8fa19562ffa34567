import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateChannelCommand,
  CreateStreamCommand,
  DeleteChannelCommand,
  DescribeChannelCommand,
  DescribeStreamSummaryCommand,
  ListChannelsCommand,
  UpdateChannelCommand,
  type CreateChannelCommandInput,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { cborRequest, h2Client, rawRequest, startServer, uniqueName, type RunningServer } from './harness.js';

// Channels (delivery to S3 / S3 Tables) are not built: every call is validated as AWS does, then
// answered honestly (not built, not found, or an empty list), over the real server and the real SDK.

let server: RunningServer;
let client: KinesisClient;
const onDemand = uniqueName('ch-od');
const provisioned = uniqueName('ch-prov');
let onDemandArn = '';
let provisionedArn = '';
const CHANNEL_ARN = 'arn:aws:kinesis:us-east-1:123456789012:channel/my-channel-id';
const NOT_BUILT = 'Channels (delivery to S3 and S3 Tables) are not built in Riffle yet: CreateChannel was validated but no channel was created.';


beforeAll(async () => {
  server = await startServer();
  client = h2Client(server.port);
  await client.send(new CreateStreamCommand({ StreamName: onDemand, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
  await client.send(new CreateStreamCommand({ StreamName: provisioned, ShardCount: 1 }));
  onDemandArn = (await client.send(new DescribeStreamSummaryCommand({ StreamName: onDemand }))).StreamDescriptionSummary?.StreamARN ?? '';
  provisionedArn = (await client.send(new DescribeStreamSummaryCommand({ StreamName: provisioned }))).StreamDescriptionSummary?.StreamARN ?? '';
  expect(onDemandArn).toMatch(/^arn:aws:kinesis:[a-z0-9-]+:\d{12}:stream\//);
});

afterAll(async () => {
  client?.destroy();
  expect(server.alive()).toBe(true);
  expect(server.stderr()).not.toMatch(/\bat .*\.js:\d+/);
  await server.stop();
});

const s3Destination = {
  DataFreshnessInSeconds: 300,
  StorageConfiguration: { BucketARN: 'arn:aws:s3:::my-channel-bucket', ExpectedBucketOwner: '123456789012', CompressionType: 'ZSTD', StorageClass: 'STANDARD' },
} as const;
const tablesDestination = {
  DeadLetterQueueS3Configuration: { BucketARN: 'arn:aws:s3:::my-dlq', ExpectedBucketOwner: '123456789012' },
  S3TablesConfigurationList: [
    {
      TableBucketARN: 'arn:aws:s3tables:us-east-1:123456789012:bucket/tables',
      Namespace: 'ns',
      TableName: 't',
      CompressionType: 'SNAPPY',
      PartitionSpec: { PartitionFields: [{ Transform: 'TIME_HOUR', SourceName: 'ts' }] },
    },
  ],
} as const;
const GSR = 'arn:aws:glue:us-east-1:123456789012:schema/registry/schema';

function s3Input(overrides: Record<string, unknown> = {}): CreateChannelCommandInput {
  return {
    ChannelName: 'my-channel',
    ServiceExecutionRoleARN: 'arn:aws:iam::123456789012:role/my-channel-role',
    StreamConfigurationList: [{ StreamARN: onDemandArn, RecordConfiguration: { RecordFormatType: 'JSON' } }],
    S3DestinationConfiguration: s3Destination,
    ...overrides,
  } as CreateChannelCommandInput;
}

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('the call succeeded');
}

const create = (input: CreateChannelCommandInput) => failure(client.send(new CreateChannelCommand(input)));

describe('CreateChannel', () => {
  it('validates a well-formed S3 channel on an on-demand stream, then says channels are not built', async () => {
    const full = s3Input({
      EncryptionConfiguration: { EncryptionType: 'KMS', KeyId: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
      LoggingConfiguration: { CloudWatchLogs: { Enabled: true, LogGroupName: '/aws/kinesis/my-channel' } },
      Tags: { team: 'data' },
    });
    expect(await create(full)).toEqual({ name: 'InvalidArgumentException', message: NOT_BUILT, status: 400 });
  });

  it('validates a well-formed S3 Tables channel (GSR_JSON with a schema), then says channels are not built', async () => {
    const input = s3Input({
      S3DestinationConfiguration: undefined,
      S3TablesDestinationConfiguration: tablesDestination,
      StreamConfigurationList: [{ StreamARN: onDemandArn, RecordConfiguration: { RecordFormatType: 'GSR_JSON', GSRSchemaARN: GSR } }],
    });
    expect(await create(input)).toEqual({ name: 'InvalidArgumentException', message: NOT_BUILT, status: 400 });
  });

  it('missing required members: one ValidationException, camelCase paths, AWS wording', async () => {
    const got = await create({} as CreateChannelCommandInput);
    expect(got.name).toBe('ValidationException');
    expect(got.message).toBe(
      '3 validation errors detected: ' +
        "Value null at 'channelName' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'serviceExecutionRoleARN' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'streamConfigurationList' failed to satisfy constraint: Member must not be null",
    );
  });

  it('missing nested members and bad enums, with list member paths', async () => {
    const got = await create(
      s3Input({
        StreamConfigurationList: [{ StreamARN: onDemandArn, RecordConfiguration: { RecordFormatType: 'XML' } }],
        S3DestinationConfiguration: { StorageConfiguration: { BucketARN: 'arn:aws:s3:::b', CompressionType: 'LZ4', StorageClass: 'GLACIER' } },
        EncryptionConfiguration: { EncryptionType: 'NONE' },
      }),
    );
    expect(got.name).toBe('ValidationException');
    expect(got.message).toBe(
      '6 validation errors detected: ' +
        "Value 'NONE' at 'encryptionConfiguration.encryptionType' failed to satisfy constraint: Member must satisfy enum value set: [KMS]; " +
        "Value null at 'encryptionConfiguration.keyId' failed to satisfy constraint: Member must not be null; " +
        "Value 'LZ4' at 's3DestinationConfiguration.storageConfiguration.compressionType' failed to satisfy constraint: Member must satisfy enum value set: [GZIP, NONE, ZSTD]; " +
        "Value null at 's3DestinationConfiguration.storageConfiguration.expectedBucketOwner' failed to satisfy constraint: Member must not be null; " +
        "Value 'GLACIER' at 's3DestinationConfiguration.storageConfiguration.storageClass' failed to satisfy constraint: Member must satisfy enum value set: [GLACIER_IR, INTELLIGENT_TIERING, STANDARD]; " +
        "Value 'XML' at 'streamConfigurationList.1.member.recordConfiguration.recordFormatType' failed to satisfy constraint: Member must satisfy enum value set: [BYTE_ARRAY, GSR_JSON, JSON, STRING]",
    );
  });

  it('S3 Tables: its dead-letter queue is required, and its table list members are checked', async () => {
    const got = await create(
      s3Input({
        S3DestinationConfiguration: undefined,
        S3TablesDestinationConfiguration: {
          S3TablesConfigurationList: [{ TableBucketARN: 'arn:aws:s3tables:us-east-1:123456789012:bucket/b', Namespace: 'ns', TableName: 't', CompressionType: 'GZIP', PartitionSpec: { PartitionFields: [{ SourceName: 'ts', Transform: 'TIME_DAY' }] } }],
        },
      }),
    );
    expect(got.name).toBe('ValidationException');
    expect(got.message).toBe(
      '3 validation errors detected: ' +
        "Value null at 's3TablesDestinationConfiguration.deadLetterQueueS3Configuration' failed to satisfy constraint: Member must not be null; " +
        "Value 'GZIP' at 's3TablesDestinationConfiguration.s3TablesConfigurationList.1.member.compressionType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, SNAPPY, ZSTD]; " +
        "Value 'TIME_DAY' at 's3TablesDestinationConfiguration.s3TablesConfigurationList.1.member.partitionSpec.partitionFields.1.member.transform' failed to satisfy constraint: Member must satisfy enum value set: [TIME_HOUR]",
    );
  });

  it('a wrong JSON type is a SerializationException', async () => {
    const res = await rawRequest(server.port, 'Kinesis_20131202.CreateChannel', JSON.stringify({ ChannelName: 'c', ServiceExecutionRoleARN: 'r', StreamConfigurationList: 'one' }));
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ __type: 'SerializationException', Message: 'Expected list or null' });
    const freshness = await rawRequest(
      server.port,
      'Kinesis_20131202.CreateChannel',
      JSON.stringify({ ...s3Input(), S3DestinationConfiguration: { ...s3Destination, DataFreshnessInSeconds: '300' } }),
    );
    expect(freshness.json()).toEqual({ __type: 'SerializationException', Message: 'class java.lang.String can not be converted to an Integer' });
  });

  it('exactly one destination: both or none is an InvalidArgumentException', async () => {
    expect(await create(s3Input({ S3TablesDestinationConfiguration: tablesDestination }))).toEqual({
      name: 'InvalidArgumentException',
      message: 'Only one of S3DestinationConfiguration and S3TablesDestinationConfiguration can be provided.',
      status: 400,
    });
    expect(await create(s3Input({ S3DestinationConfiguration: undefined }))).toEqual({
      name: 'InvalidArgumentException',
      message: 'Either S3DestinationConfiguration or S3TablesDestinationConfiguration must be provided.',
      status: 400,
    });
  });

  it('one stream per channel, one table per channel', async () => {
    const two = [
      { StreamARN: onDemandArn, RecordConfiguration: { RecordFormatType: 'JSON' } },
      { StreamARN: onDemandArn, RecordConfiguration: { RecordFormatType: 'JSON' } },
    ];
    expect((await create(s3Input({ StreamConfigurationList: two }))).message).toBe(
      'StreamConfigurationList must have exactly one stream: one stream is supported per channel, 2 given.',
    );
    expect((await create(s3Input({ StreamConfigurationList: [] }))).message).toBe(
      'StreamConfigurationList must have exactly one stream: one stream is supported per channel, 0 given.',
    );
    const twoTables = { ...tablesDestination, S3TablesConfigurationList: [...tablesDestination.S3TablesConfigurationList, ...tablesDestination.S3TablesConfigurationList] };
    const got = await create(
      s3Input({
        S3DestinationConfiguration: undefined,
        S3TablesDestinationConfiguration: twoTables,
        StreamConfigurationList: [{ StreamARN: onDemandArn, RecordConfiguration: { RecordFormatType: 'JSON', GSRSchemaARN: GSR } }],
      }),
    );
    expect(got).toEqual({ name: 'InvalidArgumentException', message: 'S3TablesConfigurationList must have exactly one table: one table is supported per channel, 2 given.', status: 400 });
  });

  it('record formats per destination: GSR_JSON for S3 Tables only, STRING and BYTE_ARRAY for S3 only; S3 Tables needs GSRSchemaARN', async () => {
    const withFormat = (format: string, destination: 'S3' | 'S3_TABLES', schema?: string) =>
      create(
        s3Input({
          ...(destination === 'S3' ? {} : { S3DestinationConfiguration: undefined, S3TablesDestinationConfiguration: tablesDestination }),
          StreamConfigurationList: [{ StreamARN: onDemandArn, RecordConfiguration: { RecordFormatType: format, ...(schema === undefined ? {} : { GSRSchemaARN: schema }) } }],
        }),
      );
    expect((await withFormat('GSR_JSON', 'S3')).message).toBe('RecordFormatType GSR_JSON is not supported for S3DestinationConfiguration: use one of BYTE_ARRAY, JSON, STRING.');
    expect((await withFormat('STRING', 'S3_TABLES', GSR)).message).toBe('RecordFormatType STRING is not supported for S3TablesDestinationConfiguration: use one of GSR_JSON, JSON.');
    expect((await withFormat('BYTE_ARRAY', 'S3_TABLES', GSR)).name).toBe('InvalidArgumentException');
    expect((await withFormat('JSON', 'S3_TABLES')).message).toBe('GSRSchemaARN is required in RecordConfiguration when the destination is S3TablesDestinationConfiguration.');
    // The allowed ones pass every check and reach the not-built answer.
    for (const format of ['STRING', 'BYTE_ARRAY', 'JSON']) expect((await withFormat(format, 'S3')).message).toBe(NOT_BUILT);
    expect((await withFormat('JSON', 'S3_TABLES', GSR)).message).toBe(NOT_BUILT);
  });

  it('data freshness 300-900 seconds, and no aws/kinesis key', async () => {
    const got = await create(s3Input({ S3DestinationConfiguration: { ...s3Destination, DataFreshnessInSeconds: 60 } }));
    expect(got).toEqual({ name: 'InvalidArgumentException', message: 'S3DestinationConfiguration.DataFreshnessInSeconds must be between 300 and 900 seconds, got 60.', status: 400 });
    expect((await create(s3Input({ S3DestinationConfiguration: { ...s3Destination, DataFreshnessInSeconds: 900 } }))).message).toBe(NOT_BUILT);
    const key = await create(s3Input({ EncryptionConfiguration: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' } }));
    expect(key.message).toBe('EncryptionConfiguration.KeyId must be a customer managed key: the aws/kinesis service key cannot be used for channels.');
  });

  it('the source stream must exist and be on-demand', async () => {
    const missingArn = onDemandArn.replace(onDemand, 'no-such-stream');
    const missing = await create(s3Input({ StreamConfigurationList: [{ StreamARN: missingArn, RecordConfiguration: { RecordFormatType: 'JSON' } }] }));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toMatch(/^Stream no-such-stream under account \d{12} not found\.$/);
    const elsewhere = await create(s3Input({ StreamConfigurationList: [{ StreamARN: 'arn:aws:kinesis:eu-west-1:111111111111:stream/x', RecordConfiguration: { RecordFormatType: 'JSON' } }] }));
    expect(elsewhere).toEqual({ name: 'ResourceNotFoundException', message: 'Stream arn:aws:kinesis:eu-west-1:111111111111:stream/x not found.', status: 400 });
    const prov = await create(s3Input({ StreamConfigurationList: [{ StreamARN: provisionedArn, RecordConfiguration: { RecordFormatType: 'JSON' } }] }));
    expect(prov.name).toBe('InvalidArgumentException');
    expect(prov.message).toMatch(new RegExp(`^Stream ${provisioned} under account \\d{12} is in PROVISIONED mode: channels support on-demand streams only\\.$`));
  });
});

describe('DescribeChannel, DeleteChannel, UpdateChannel', () => {
  it('a well-formed ChannelARN names no channel: ResourceNotFoundException', async () => {
    const notFound = { name: 'ResourceNotFoundException', message: `Channel ${CHANNEL_ARN} not found.`, status: 400 };
    expect(await failure(client.send(new DescribeChannelCommand({ ChannelARN: CHANNEL_ARN })))).toEqual(notFound);
    expect(await failure(client.send(new DeleteChannelCommand({ ChannelARN: CHANNEL_ARN })))).toEqual(notFound);
    expect(await failure(client.send(new UpdateChannelCommand({ ChannelARN: CHANNEL_ARN, S3DestinationConfiguration: { DataFreshnessInSeconds: 600 } })))).toEqual(notFound);
    const logging = { CloudWatchLogs: { Enabled: false } };
    expect(await failure(client.send(new UpdateChannelCommand({ ChannelARN: CHANNEL_ARN, LoggingConfiguration: logging })))).toEqual(notFound);
  });

  it('ChannelARN is required', async () => {
    for (const Command of [DescribeChannelCommand, DeleteChannelCommand, UpdateChannelCommand]) {
      const got = await failure(client.send(new Command({} as never)));
      expect(got).toEqual({
        name: 'ValidationException',
        message: "1 validation error detected: Value null at 'channelARN' failed to satisfy constraint: Member must not be null",
        status: 400,
      });
    }
  });

  it('malformed ChannelARNs get the SDK endpoint ruleset messages', async () => {
    const cases: Array<[string, string]> = [
      ['garbage', 'Invalid ARN: Failed to parse ARN.'],
      ['arn:aws:kinesis:us-east-1:123456789012:stream/s', 'Invalid ARN: ChannelARN only supports `channel` arn types, found: `stream`.'],
      ['arn:aws:kinesis:us-east-1:123456789012:channel', 'Invalid ARN: Missing channel id.'],
      ['arn:aws:kinesis:us-east-1:123456789012:channel/', 'Invalid ARN: Invalid channel id.'],
      ['arn:aws:kinesis:us-east-1:123456789012:channel/bad_id', 'Invalid ARN: Invalid channel id.'],
      ['arn:aws:kinesis:us-east-1:12345:channel/x', 'Invalid ARN: Invalid account id.'],
      ['arn:aws:kinesis::123456789012:channel/x', 'Invalid ARN: Invalid region.'],
      ['arn:aws:s3:us-east-1:123456789012:channel/x', 'Invalid ARN: The ARN was not for the Kinesis service, found: s3.'],
      ['arn:aws:kinesis:us-east-1:123456789012:/x', 'Invalid ARN: No ARN type specified'],
      ['arn:aws-cn:kinesis:us-east-1:123456789012:channel/x', "Partition: aws-cn from ARN doesn't match with partition name: aws."],
    ];
    for (const [arn, message] of cases) {
      expect(await failure(client.send(new DescribeChannelCommand({ ChannelARN: arn }))), arn).toEqual({ name: 'InvalidArgumentException', message, status: 400 });
    }
    const del = await failure(client.send(new DeleteChannelCommand({ ChannelARN: 'arn:aws:kinesis:us-east-1:123456789012:channel' })));
    expect(del.message).toBe('Invalid ARN: Missing channel id.');
    const upd = await failure(client.send(new UpdateChannelCommand({ ChannelARN: 'garbage' })));
    expect(upd.message).toBe('Invalid ARN: Failed to parse ARN.');
  });

  it('UpdateChannel: data freshness is required in a destination update and checked; at most one destination', async () => {
    const missing = await failure(client.send(new UpdateChannelCommand({ ChannelARN: CHANNEL_ARN, S3TablesDestinationConfiguration: {} as never })));
    expect(missing.message).toBe(
      "1 validation error detected: Value null at 's3TablesDestinationConfiguration.dataFreshnessInSeconds' failed to satisfy constraint: Member must not be null",
    );
    const logging = await failure(client.send(new UpdateChannelCommand({ ChannelARN: CHANNEL_ARN, LoggingConfiguration: { CloudWatchLogs: {} as never } })));
    expect(logging.message).toBe("1 validation error detected: Value null at 'loggingConfiguration.cloudWatchLogs.enabled' failed to satisfy constraint: Member must not be null");
    const range = await failure(client.send(new UpdateChannelCommand({ ChannelARN: CHANNEL_ARN, S3DestinationConfiguration: { DataFreshnessInSeconds: 901 } })));
    expect(range).toEqual({ name: 'InvalidArgumentException', message: 'S3DestinationConfiguration.DataFreshnessInSeconds must be between 300 and 900 seconds, got 901.', status: 400 });
    const both = await failure(
      client.send(new UpdateChannelCommand({ ChannelARN: CHANNEL_ARN, S3DestinationConfiguration: { DataFreshnessInSeconds: 300 }, S3TablesDestinationConfiguration: { DataFreshnessInSeconds: 300 } })),
    );
    expect(both.message).toBe('Only one of S3DestinationConfiguration and S3TablesDestinationConfiguration can be provided.');
  });
});

describe('ListChannels', () => {
  it('answers an empty list: there are never any channels', async () => {
    const all = await client.send(new ListChannelsCommand({}));
    expect(all.ChannelSummaries).toEqual([]);
    expect(all.NextToken).toBeUndefined();
    const filtered = await client.send(new ListChannelsCommand({ MaxResults: 500, StreamFilter: [{ StreamARN: onDemandArn, StreamCreationTimestamp: new Date() }] }));
    expect(filtered.ChannelSummaries).toEqual([]);
  });

  it('any NextToken is not one Riffle issued; MaxResults and StreamFilter are validated', async () => {
    expect(await failure(client.send(new ListChannelsCommand({ NextToken: 'AAAAAgAAAAEAAAABbXktbmV4dC1wYWdlLXRva2Vu' })))).toEqual({
      name: 'InvalidArgumentException',
      message: 'Invalid NextToken.',
      status: 400,
    });
    const bad = await failure(client.send(new ListChannelsCommand({ MaxResults: 0, StreamFilter: [{} as never] })));
    expect(bad.message).toBe(
      '2 validation errors detected: ' +
        "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value null at 'streamFilter.1.member.streamARN' failed to satisfy constraint: Member must not be null",
    );
  });
});

describe('CBOR (application/x-amz-cbor-1.1)', () => {
  const cbor = (op: string, body: object) => cborRequest(server.port, `Kinesis_20131202.${op}`, body);

  it('validates CreateChannel and answers not built; ListChannels is empty', async () => {
    const got = await cbor('CreateChannel', s3Input());
    expect(got).toEqual({ status: 400, value: { __type: 'InvalidArgumentException', message: NOT_BUILT } });
    const list = await cbor('ListChannels', { StreamFilter: [{ StreamARN: onDemandArn, StreamCreationTimestamp: new Date() }] });
    expect(list).toEqual({ status: 200, value: { ChannelSummaries: [] } });
    const missing = await cbor('DescribeChannel', {});
    expect(missing.value.__type).toBe('ValidationException');
  });
});

it('the server is still up after every channel call', () => {
  expect(server.alive()).toBe(true);
});

import { AwsError } from '../../aws/errors.js';
import { STREAM_MODE } from '../../engine/model.js';
import { defineOperation } from '../operation.js';
import {
  bothDestinations,
  channelsNotBuilt,
  checkDataFreshness,
  DataFreshnessInSeconds,
  DeadLetterQueueS3Configuration,
  LoggingConfiguration,
  RECORD_FORMAT_TYPES,
  type LoggingInput,
  type RecordFormatType,
} from '../channel-shapes.js';

interface DeadLetterQueue {
  BucketARN: string;
  ErrorOutputPrefix?: string;
  ExpectedBucketOwner: string;
}

interface Input {
  ChannelName: string;
  EncryptionConfiguration?: { EncryptionType: 'KMS'; KeyId: string };
  LoggingConfiguration?: LoggingInput;
  S3DestinationConfiguration?: {
    DataFreshnessInSeconds?: number;
    DeadLetterQueueS3Configuration?: DeadLetterQueue;
    StorageConfiguration: { BucketARN: string; CompressionType: string; ExpectedBucketOwner: string; OutputKeyTemplate?: string; StorageClass?: string };
  };
  S3TablesDestinationConfiguration?: {
    DataFreshnessInSeconds?: number;
    DeadLetterQueueS3Configuration: DeadLetterQueue;
    S3TablesConfigurationList: Array<{ CompressionType: string; Namespace: string; TableBucketARN: string; TableName: string }>;
  };
  ServiceExecutionRoleARN: string;
  StreamConfigurationList: Array<{ RecordConfiguration: { GSRSchemaARN?: string; RecordFormatType: RecordFormatType }; StreamARN: string }>;
  Tags?: Record<string, string>;
}

/** RecordConfiguration docs: GSR_JSON for S3 Tables only, STRING and BYTE_ARRAY for S3 only, JSON for both. */
const FORMATS_FOR = {
  S3: ['BYTE_ARRAY', 'JSON', 'STRING'],
  S3_TABLES: ['GSR_JSON', 'JSON'],
} as const satisfies Record<string, readonly RecordFormatType[]>;

const DESTINATION_MEMBER = { S3: 'S3DestinationConfiguration', S3_TABLES: 'S3TablesDestinationConfiguration' } as const;

// Wording of every InvalidArgumentException below but the not-built one is Riffle's own: AWS's is unconfirmed.
function invalid(message: string): AwsError {
  return new AwsError('InvalidArgumentException', message);
}

export const createChannel = defineOperation<Input>({
  name: 'CreateChannel',
  members: {
    ChannelName: { type: 'String', required: true },
    EncryptionConfiguration: {
      type: 'Structure',
      members: {
        EncryptionType: { type: 'String', required: true, enum: ['KMS'] },
        KeyId: { type: 'String', required: true },
      },
    },
    LoggingConfiguration,
    S3DestinationConfiguration: {
      type: 'Structure',
      members: {
        DataFreshnessInSeconds,
        DeadLetterQueueS3Configuration,
        StorageConfiguration: {
          type: 'Structure',
          required: true,
          members: {
            BucketARN: { type: 'String', required: true },
            CompressionType: { type: 'String', required: true, enum: ['GZIP', 'NONE', 'ZSTD'] },
            ExpectedBucketOwner: { type: 'String', required: true },
            OutputKeyTemplate: { type: 'String' },
            StorageClass: { type: 'String', enum: ['GLACIER_IR', 'INTELLIGENT_TIERING', 'STANDARD'] },
          },
        },
      },
    },
    S3TablesDestinationConfiguration: {
      type: 'Structure',
      members: {
        DataFreshnessInSeconds,
        DeadLetterQueueS3Configuration: { ...DeadLetterQueueS3Configuration, required: true },
        S3TablesConfigurationList: {
          type: 'List',
          required: true,
          member: {
            type: 'Structure',
            members: {
              CompressionType: { type: 'String', required: true, enum: ['NONE', 'SNAPPY', 'ZSTD'] },
              Namespace: { type: 'String', required: true },
              PartitionSpec: {
                type: 'Structure',
                members: {
                  PartitionFields: {
                    type: 'List',
                    required: true,
                    member: {
                      type: 'Structure',
                      members: {
                        SourceName: { type: 'String', required: true },
                        Transform: { type: 'String', required: true, enum: ['TIME_HOUR'] },
                      },
                    },
                  },
                },
              },
              TableBucketARN: { type: 'String', required: true },
              TableName: { type: 'String', required: true },
            },
          },
        },
      },
    },
    ServiceExecutionRoleARN: { type: 'String', required: true },
    StreamConfigurationList: {
      type: 'List',
      required: true,
      member: {
        type: 'Structure',
        members: {
          RecordConfiguration: {
            type: 'Structure',
            required: true,
            members: {
              GSRSchemaARN: { type: 'String' },
              RecordFormatType: { type: 'String', required: true, enum: RECORD_FORMAT_TYPES },
            },
          },
          StreamARN: { type: 'String', required: true },
        },
      },
    },
    Tags: { type: 'Map', key: { type: 'String' }, value: { type: 'String' } },
  },
  run(engine, input) {
    const s3 = input.S3DestinationConfiguration;
    const tables = input.S3TablesDestinationConfiguration;
    // "Specify this parameter when S3TablesDestinationConfiguration is not specified" (and the reverse).
    if (s3 !== undefined && tables !== undefined) throw bothDestinations();
    if (s3 === undefined && tables === undefined) {
      throw invalid('Either S3DestinationConfiguration or S3TablesDestinationConfiguration must be provided.');
    }
    const destination = s3 !== undefined ? 'S3' : 'S3_TABLES';
    checkDataFreshness((s3 ?? tables)?.DataFreshnessInSeconds, DESTINATION_MEMBER[destination]);
    // "Currently, one stream is supported per channel."
    const streams = input.StreamConfigurationList;
    if (streams.length !== 1) {
      throw invalid(`StreamConfigurationList must have exactly one stream: one stream is supported per channel, ${streams.length} given.`);
    }
    // "Currently, one table is supported per channel."
    if (tables !== undefined && tables.S3TablesConfigurationList.length !== 1) {
      throw invalid(`S3TablesConfigurationList must have exactly one table: one table is supported per channel, ${tables.S3TablesConfigurationList.length} given.`);
    }
    const source = streams[0] as Input['StreamConfigurationList'][number];
    const format = source.RecordConfiguration.RecordFormatType;
    const allowed: readonly RecordFormatType[] = FORMATS_FOR[destination];
    if (!allowed.includes(format)) {
      throw invalid(`RecordFormatType ${format} is not supported for ${DESTINATION_MEMBER[destination]}: use one of ${allowed.join(', ')}.`);
    }
    // "Required when the channel destination is a streaming table."
    if (destination === 'S3_TABLES' && source.RecordConfiguration.GSRSchemaARN === undefined) {
      throw invalid('GSRSchemaARN is required in RecordConfiguration when the destination is S3TablesDestinationConfiguration.');
    }
    // "You cannot use the Amazon Kinesis Data Streams service key (aws/kinesis)."
    const keyId = input.EncryptionConfiguration?.KeyId;
    if (keyId === 'aws/kinesis' || keyId === 'alias/aws/kinesis') {
      throw invalid('EncryptionConfiguration.KeyId must be a customer managed key: the aws/kinesis service key cannot be used for channels.');
    }
    // The source stream must exist (the engine's wording) and be on-demand ("Source stream must be on-demand").
    const stream = engine.streams.get({ arn: source.StreamARN });
    if (stream.mode !== STREAM_MODE.ON_DEMAND) {
      throw invalid(`Stream ${stream.name} under account ${engine.streams.account} is in PROVISIONED mode: channels support on-demand streams only.`);
    }
    throw channelsNotBuilt('CreateChannel', 'no channel was created');
  },
});

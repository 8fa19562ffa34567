import { AwsError } from '../../aws/errors.js';
import type { HttpEndpointSettings, ProcessingConfiguration } from '../model.js';
import { describeProcessing } from '../transform/processor.js';

/**
 * An HTTP endpoint destination as CreateDeliveryStream gives it, made into what is kept and
 * described (AWS's defaults: buffering 5 MiB / 300 s, ContentEncoding NONE, retries for 300 s,
 * S3BackupMode FailedDataOnly, CloudWatch logging off), and the checks of what Riffle does not do.
 */

export interface HttpConfigInput {
  EndpointConfiguration: { Url: string; Name?: string; AccessKey?: string };
  BufferingHints?: { SizeInMBs?: number; IntervalInSeconds?: number };
  RequestConfiguration?: { ContentEncoding?: string; CommonAttributes?: Array<{ AttributeName: string; AttributeValue: string }> };
  RetryOptions?: { DurationInSeconds?: number };
  S3BackupMode?: string;
  CloudWatchLoggingOptions?: { Enabled?: boolean; LogGroupName?: string; LogStreamName?: string };
  ProcessingConfiguration?: ProcessingConfiguration;
  RoleARN?: string;
  SecretsManagerConfiguration?: { Enabled?: boolean };
  S3Configuration: Record<string, unknown> & { RoleARN: string; BucketARN: string };
}

export const HTTP_DEFAULT_SIZE_MBS = 5;
export const HTTP_DEFAULT_INTERVAL_SECONDS = 300;
export const HTTP_DEFAULT_RETRY_SECONDS = 300;

export function describeHttpNew(c: HttpConfigInput): HttpEndpointSettings {
  // What the model's pattern lets through but no request could be sent to.
  let url: URL | null = null;
  try {
    url = new URL(c.EndpointConfiguration.Url);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new AwsError('InvalidArgumentException', `EndpointConfiguration.Url ${JSON.stringify(c.EndpointConfiguration.Url)} is not a URL an HTTP endpoint can be reached at.`);
  }
  // Sent verbatim as a header, which carries printable ASCII only.
  if (c.EndpointConfiguration.AccessKey !== undefined && !/^[\x20-\x7e]*$/.test(c.EndpointConfiguration.AccessKey)) {
    throw new AwsError('InvalidArgumentException', 'EndpointConfiguration.AccessKey must be printable ASCII: it is sent as the X-Amz-Firehose-Access-Key header.');
  }
  if (c.SecretsManagerConfiguration?.Enabled === true) {
    throw new AwsError('InvalidArgumentException', 'Riffle does not support SecretsManagerConfiguration yet: give the access key as EndpointConfiguration.AccessKey.');
  }
  for (const p of c.ProcessingConfiguration?.Enabled === true ? (c.ProcessingConfiguration.Processors ?? []) : []) {
    if (p.Type !== 'Lambda') throw new AwsError('InvalidArgumentException', `Riffle does not support the ${p.Type} processor on HTTP endpoint destinations yet (the Lambda processor it runs).`);
  }
  const s: HttpEndpointSettings = {
    EndpointConfiguration: { ...c.EndpointConfiguration },
    BufferingHints: {
      SizeInMBs: c.BufferingHints?.SizeInMBs ?? HTTP_DEFAULT_SIZE_MBS,
      IntervalInSeconds: c.BufferingHints?.IntervalInSeconds ?? HTTP_DEFAULT_INTERVAL_SECONDS,
    },
    RequestConfiguration: { ContentEncoding: c.RequestConfiguration?.ContentEncoding === 'GZIP' ? 'GZIP' : 'NONE' },
    RetryOptions: { DurationInSeconds: c.RetryOptions?.DurationInSeconds ?? HTTP_DEFAULT_RETRY_SECONDS },
    S3BackupMode: c.S3BackupMode === 'AllData' ? 'AllData' : 'FailedDataOnly',
    CloudWatchLoggingOptions: c.CloudWatchLoggingOptions ?? { Enabled: false },
  };
  if (c.RequestConfiguration?.CommonAttributes !== undefined) s.RequestConfiguration.CommonAttributes = c.RequestConfiguration.CommonAttributes;
  if (c.ProcessingConfiguration !== undefined) s.ProcessingConfiguration = describeProcessing(c.ProcessingConfiguration, c.RoleARN ?? c.S3Configuration.RoleARN);
  if (c.RoleARN !== undefined) s.RoleARN = c.RoleARN;
  return s;
}

/** HttpEndpointDestinationDescription's own members (the S3 backup's description is added beside them): the URL and name, never the access key. */
export function describeHttp(s: HttpEndpointSettings): Record<string, unknown> {
  const { AccessKey: _secret, ...endpoint } = s.EndpointConfiguration;
  void _secret;
  const out: Record<string, unknown> = {
    EndpointConfiguration: endpoint,
    BufferingHints: s.BufferingHints,
    CloudWatchLoggingOptions: s.CloudWatchLoggingOptions,
    RequestConfiguration: s.RequestConfiguration,
    RetryOptions: s.RetryOptions,
    S3BackupMode: s.S3BackupMode,
  };
  if (s.ProcessingConfiguration !== undefined) out.ProcessingConfiguration = s.ProcessingConfiguration;
  if (s.RoleARN !== undefined) out.RoleARN = s.RoleARN;
  return out;
}

/** HttpEndpointDestinationUpdate as the shape pass hands it over. */
export type HttpUpdateInput = Partial<Omit<HttpConfigInput, 'S3Configuration' | 'EndpointConfiguration'>> & {
  EndpointConfiguration?: { Url: string; Name?: string; AccessKey?: string };
  S3Update?: Record<string, unknown>;
};

/**
 * UpdateDestination of an HTTP endpoint destination: members given replace the current ones, the
 * rest stay (AWS: "Firehose merges the configuration parameters specified with the destination
 * configuration that already exists"). An EndpointConfiguration without an AccessKey keeps none,
 * as given.
 */
export function describeHttpUpdate(current: HttpEndpointSettings, u: HttpUpdateInput): HttpEndpointSettings {
  return describeHttpNew({
    EndpointConfiguration: u.EndpointConfiguration ?? current.EndpointConfiguration,
    BufferingHints: { ...current.BufferingHints, ...u.BufferingHints },
    RequestConfiguration: u.RequestConfiguration ?? current.RequestConfiguration,
    RetryOptions: { ...current.RetryOptions, ...u.RetryOptions },
    S3BackupMode: u.S3BackupMode ?? current.S3BackupMode,
    CloudWatchLoggingOptions: u.CloudWatchLoggingOptions ?? current.CloudWatchLoggingOptions,
    ...(u.ProcessingConfiguration ?? current.ProcessingConfiguration ? { ProcessingConfiguration: u.ProcessingConfiguration ?? current.ProcessingConfiguration } : {}),
    ...(u.RoleARN ?? current.RoleARN ? { RoleARN: u.RoleARN ?? current.RoleARN } : {}),
    ...(u.SecretsManagerConfiguration !== undefined ? { SecretsManagerConfiguration: u.SecretsManagerConfiguration } : {}),
    S3Configuration: { RoleARN: '', BucketARN: '' }, // not read: the backup is updated from S3Update by the caller
  });
}

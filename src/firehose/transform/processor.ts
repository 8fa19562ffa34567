import { AwsError } from '../../aws/errors.js';
import type { ProcessingConfiguration } from '../model.js';
import type { TransformSettings } from './transform-stage.js';

/**
 * The Lambda processor's parameters (API_ProcessorParameter; data-transformation.html): LambdaArn
 * names the function, BufferSizeInMBs (0.2–3, default 1) and BufferIntervalInSeconds (0–900,
 * default 60) the transform's own buffer, NumberOfRetries (default 3) how often an invocation that
 * fails is tried again. DescribeDeliveryStream shows the defaults AWS fills in (NumberOfRetries,
 * RoleArn, BufferSizeInMBs, BufferIntervalInSeconds) after those given.
 */
const LAMBDA_PARAMETERS = ['LambdaArn', 'NumberOfRetries', 'RoleArn', 'BufferSizeInMBs', 'BufferIntervalInSeconds'] as const;
const DEFAULTS = { NumberOfRetries: '3', BufferSizeInMBs: '1', BufferIntervalInSeconds: '60' } as const;
const RETRIES_MAX = 300;
/** arn:aws:lambda:<region>:<account>:function:<name>[:<version or alias>] */
const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:function:([A-Za-z0-9_-]{1,64})(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;
/** How long a local handler may run: Lambda's default for Firehose transforms' functions is 1 minute (AWS's own limit on an invocation is 5). */
export const TRANSFORM_TIMEOUT_MS = 60_000;

const invalid = (message: string): AwsError => new AwsError('InvalidArgumentException', message);

type Processor = NonNullable<ProcessingConfiguration['Processors']>[number];

const param = (p: Processor, name: string): string | undefined => p.Parameters?.find((x) => x.ParameterName === name)?.ParameterValue;

/** The function name in a Lambda ARN (null: not a function ARN). */
export function functionNameOf(arn: string): string | null {
  return FUNCTION_ARN.exec(arn)?.[2] ?? null;
}

/**
 * Checks a ProcessingConfiguration's Lambda processor (at most one, with a function ARN and its
 * parameters in range; InvalidArgumentException otherwise) and returns the configuration as
 * DescribeDeliveryStream shows it: the Lambda processor's missing parameters filled in with
 * AWS's defaults, `roleArn` (the destination's role) for RoleArn.
 */
export function describeProcessing(pc: ProcessingConfiguration, roleArn: string): ProcessingConfiguration {
  const lambdas = (pc.Processors ?? []).filter((p) => p.Type === 'Lambda');
  if (lambdas.length > 1) throw invalid('ProcessingConfiguration has more than one Lambda processor; a delivery stream has at most one.');
  if (lambdas.length === 0) return pc;
  const p = lambdas[0] as Processor;
  const seen = new Set<string>();
  for (const { ParameterName: name } of p.Parameters ?? []) {
    if (!(LAMBDA_PARAMETERS as readonly string[]).includes(name)) throw invalid(`The Lambda processor does not take the parameter ${name}; it takes ${LAMBDA_PARAMETERS.join(', ')}.`);
    if (seen.has(name)) throw invalid(`The Lambda processor has the parameter ${name} twice.`);
    seen.add(name);
  }
  const arn = param(p, 'LambdaArn');
  if (arn === undefined) throw invalid('The Lambda processor needs the parameter LambdaArn.');
  if (functionNameOf(arn) === null) throw invalid(`LambdaArn ${arn} is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>).`);
  const size = param(p, 'BufferSizeInMBs');
  if (size !== undefined && !(/^\d+(\.\d+)?$/.test(size) && Number(size) >= 0.2 && Number(size) <= 3)) throw invalid(`BufferSizeInMBs ${size} for the Lambda processor must be a number from 0.2 to 3.`);
  const interval = param(p, 'BufferIntervalInSeconds');
  if (interval !== undefined && !(/^\d+$/.test(interval) && Number(interval) <= 900)) throw invalid(`BufferIntervalInSeconds ${interval} for the Lambda processor must be a whole number from 0 to 900.`);
  const retries = param(p, 'NumberOfRetries');
  if (retries !== undefined && !(/^\d+$/.test(retries) && Number(retries) <= RETRIES_MAX)) throw invalid(`NumberOfRetries ${retries} for the Lambda processor must be a whole number from 0 to ${RETRIES_MAX}.`);
  const filled: Processor = {
    Type: 'Lambda',
    Parameters: [
      ...(p.Parameters ?? []),
      ...(retries === undefined ? [{ ParameterName: 'NumberOfRetries', ParameterValue: DEFAULTS.NumberOfRetries }] : []),
      ...(seen.has('RoleArn') ? [] : [{ ParameterName: 'RoleArn', ParameterValue: roleArn }]),
      ...(size === undefined ? [{ ParameterName: 'BufferSizeInMBs', ParameterValue: DEFAULTS.BufferSizeInMBs }] : []),
      ...(interval === undefined ? [{ ParameterName: 'BufferIntervalInSeconds', ParameterValue: DEFAULTS.BufferIntervalInSeconds }] : []),
    ],
  };
  return { ...pc, Processors: (pc.Processors ?? []).map((x) => (x === p ? filled : x)) };
}

/**
 * The transform a delivery stream runs: its Lambda processor when processing is Enabled, with the
 * module `functions` (--lambda) has for the ARN's function name; undefined: no transform.
 */
export function transformOf(
  pc: ProcessingConfiguration | undefined,
  functions: ReadonlyMap<string, string>,
  where: { deliveryStreamArn: string; region: string; sourceKinesisStreamArn?: string | undefined },
): TransformSettings | undefined {
  if (pc?.Enabled !== true) return undefined;
  const p = (pc.Processors ?? []).find((x) => x.Type === 'Lambda');
  if (p === undefined) return undefined;
  const arn = param(p, 'LambdaArn') as string;
  return {
    lambdaArn: arn,
    module: functions.get(functionNameOf(arn) ?? '') ?? null,
    sizeBytes: Math.round(Number(param(p, 'BufferSizeInMBs') ?? DEFAULTS.BufferSizeInMBs) * 1024 * 1024),
    intervalMs: Number(param(p, 'BufferIntervalInSeconds') ?? DEFAULTS.BufferIntervalInSeconds) * 1000,
    retries: Number(param(p, 'NumberOfRetries') ?? DEFAULTS.NumberOfRetries),
    timeoutMs: TRANSFORM_TIMEOUT_MS,
    deliveryStreamArn: where.deliveryStreamArn,
    region: where.region,
    ...(where.sourceKinesisStreamArn === undefined ? {} : { sourceKinesisStreamArn: where.sourceKinesisStreamArn }),
  };
}

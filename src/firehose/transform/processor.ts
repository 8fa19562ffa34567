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
  checkMetadataExtraction(pc);
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

/** The MetadataExtraction processor (dynamic partitioning's inline parsing): at most one, MetadataExtractionQuery given, JsonParsingEngine JQ-1.6. */
function checkMetadataExtraction(pc: ProcessingConfiguration): void {
  const all = (pc.Processors ?? []).filter((p) => p.Type === 'MetadataExtraction');
  if (all.length > 1) throw invalid('ProcessingConfiguration has more than one MetadataExtraction processor; a delivery stream has at most one.');
  const p = all[0];
  if (p === undefined) return;
  for (const { ParameterName: name } of p.Parameters ?? []) {
    if (name !== 'MetadataExtractionQuery' && name !== 'JsonParsingEngine') throw invalid(`The MetadataExtraction processor does not take the parameter ${name}; it takes MetadataExtractionQuery and JsonParsingEngine.`);
  }
  if (param(p, 'MetadataExtractionQuery') === undefined) throw invalid('The MetadataExtraction processor needs the parameter MetadataExtractionQuery.');
  const engine = param(p, 'JsonParsingEngine');
  if (engine !== undefined && engine !== 'JQ-1.6') throw invalid(`JsonParsingEngine ${engine} is not supported; the MetadataExtraction processor takes JQ-1.6.`);
}

/** The MetadataExtractionQuery of a processing configuration, if it has one (processing Enabled). */
export function metadataQueryOf(pc: ProcessingConfiguration | undefined): string | undefined {
  if (pc?.Enabled !== true) return undefined;
  const p = (pc.Processors ?? []).find((x) => x.Type === 'MetadataExtraction');
  return p === undefined ? undefined : param(p, 'MetadataExtractionQuery');
}

/** Whether processing is Enabled with a processor of `type`. */
export function hasProcessor(pc: ProcessingConfiguration | undefined, type: string): boolean {
  return pc?.Enabled === true && (pc.Processors ?? []).some((x) => x.Type === type);
}

/** Buffering for a MetadataExtraction query alone (it has no hints of its own): records are parsed as they are read. */
const QUERY_ONLY = { sizeBytes: 1024 * 1024, intervalMs: 0 };

/**
 * What runs on a delivery stream's records before they are buffered for the destination: its
 * Lambda processor when processing is Enabled (the module `functions`, --lambda, has for the
 * ARN's function name), and with dynamic partitioning its MetadataExtraction query; undefined:
 * neither.
 */
export function transformOf(
  pc: ProcessingConfiguration | undefined,
  functions: ReadonlyMap<string, string>,
  where: { deliveryStreamArn: string; region: string; sourceKinesisStreamArn?: string | undefined; dynamicPartitioning: boolean },
): TransformSettings | undefined {
  const query = where.dynamicPartitioning ? metadataQueryOf(pc) : undefined;
  const p = pc?.Enabled === true ? (pc.Processors ?? []).find((x) => x.Type === 'Lambda') : undefined;
  if (p === undefined && query === undefined) return undefined;
  const arn = p === undefined ? '' : (param(p, 'LambdaArn') as string);
  return {
    ...(p === undefined
      ? QUERY_ONLY
      : {
          lambda: { lambdaArn: arn, module: functions.get(functionNameOf(arn) ?? '') ?? null, retries: Number(param(p, 'NumberOfRetries') ?? DEFAULTS.NumberOfRetries), timeoutMs: TRANSFORM_TIMEOUT_MS },
          sizeBytes: Math.round(Number(param(p, 'BufferSizeInMBs') ?? DEFAULTS.BufferSizeInMBs) * 1024 * 1024),
          intervalMs: Number(param(p, 'BufferIntervalInSeconds') ?? DEFAULTS.BufferIntervalInSeconds) * 1000,
        }),
    ...(query === undefined ? {} : { query }),
    deliveryStreamArn: where.deliveryStreamArn,
    region: where.region,
    ...(where.sourceKinesisStreamArn === undefined ? {} : { sourceKinesisStreamArn: where.sourceKinesisStreamArn }),
  };
}

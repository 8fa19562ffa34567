// Prefix and ErrorOutputPrefix: parsed and checked once when a stream is configured, evaluated per
// object. The rules are https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html ("Semantic
// rules"); the messages are AWS's where users have quoted them (each says where from).
import { AwsError } from '../../aws/errors.js';
import { compileDatePattern, DatePatternError, type DatePattern } from './date-pattern.js';
import { randomString } from './object-key.js';
import { zonedTime } from './zone-time.js';

/** "Neither Prefix nor ErrorOutputPrefix can be greater than 512 characters after they're evaluated." */
export const EVALUATED_PREFIX_MAX = 512;

/**
 * What `!{firehose:error-output-type}` evaluates to (s3-prefixes.html; decompression-failed from
 * decomp-faq.html). An S3 destination writes processing-failed and format-conversion-failed; with
 * dynamic partitioning, activePartitionExceeded (buffering.html), and as observed of AWS
 * metadata-extraction-failed (the query gave no keys) and partitioning-failed (a key the prefix
 * names is missing).
 */
export const ERROR_OUTPUT_TYPES = ['processing-failed', 'format-conversion-failed', 'decompression-failed', 'http-endpoint-failed', 'splunk-failed', 'AmazonOpenSearchService-failed', 'metadata-extraction-failed', 'partitioning-failed', 'activePartitionExceeded'] as const;
export type ErrorOutputType = (typeof ERROR_OUTPUT_TYPES)[number];

export type PrefixMember = 'Prefix' | 'ErrorOutputPrefix';

/**
 * The wrapper AWS puts around a broken prefix constraint, spelling included ("Ths"), as a user
 * pasted it from real AWS (hashicorp/terraform-provider-aws PR #13416). It is quoted for the
 * null-ErrorOutputPrefix rule only; Riffle uses it for the two other constraint rules too [INF].
 */
const CONSTRAINT = 'Ths supplied prefix(es) do not satisfy the following constraint: ';

/**
 * The messages. Unless marked, the wording is what a cdk_preflight rule set (Rego rules that quote
 * the service's CreateDeliveryStream answers, some "measured" on AWS in 2026) says AWS answers.
 */
export const PREFIX_MESSAGES = {
  /** A `!{` that does not open a `!{namespace:value}` expression. */
  invalidExpression: 'Invalid expression usage',
  unknownNamespace: (ns: string) => `Namespace to the left of colon (${ns}) is an invalid keyword!`,
  /** An unknown firehose: value or a timestamp pattern java.time rejects (measured for unknown letters; inferred for Java's other pattern errors). */
  invalidValue: (member: PrefixMember) => `Invalid conversion character used in the value of the expression in ${member}`,
  /** Terraform users quote it too (hashicorp/terraform-provider-aws PR #13416). */
  errorPrefixRequired: `${CONSTRAINT}ErrorOutputPrefix cannot be null or empty when Prefix contains expressions`,
  errorTypeRequired: `${CONSTRAINT}ErrorOutputPrefix must contain at least one occurrence of !{firehose:error-output-type}`,
  errorTypeInPrefix: `${CONSTRAINT}Prefix must not contain any occurrence of !{firehose:error-output-type}`,
  /** "evaluated prefix" for Prefix, "evaluated ErrorOutputPrefix" for the other (checked on us-east-1, per the rule set). */
  tooLong: (member: PrefixMember) => `Length of evaluated ${member === 'Prefix' ? 'prefix' : 'ErrorOutputPrefix'} cannot be greater than ${EVALUATED_PREFIX_MAX}`,
  /** Also what a Terraform user got (a published troubleshooting note) and what aws-cdk cites as CloudFormation's. */
  partitionNeedsDynamicPartitioning: 'Dynamic Partitioning Namespaces can only be part of a prefix expression when Dynamic Partitioning is enabled.',
  partitionInErrorPrefix: "Dynamic Partitioning Namespaces can't be part of an error prefix expression",
  dynamicPartitioningNeedsPartition: 'S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic Partitioning is enabled',
  /** Riffle's own: a pattern java.time accepts that Riffle cannot evaluate. */
  unsupported: (member: PrefixMember, why: string) => `${why} in the value of the expression in ${member}`,
} as const;

/** Values for the dynamic-partitioning namespaces, when a caller evaluates them. */
export interface PartitionKeys {
  /** `!{partitionKeyFromQuery:k}`: the keys the MetadataExtraction query produced. */
  readonly query?: Readonly<Record<string, string>>;
  /** `!{partitionKeyFromLambda:k}`: the Lambda record's metadata.partitionKeys. */
  readonly lambda?: Readonly<Record<string, string>>;
}

/** A record's partition key the prefix names is missing: AWS sends such records to the error prefix. */
export class MissingPartitionKeyError extends Error {
  constructor(readonly namespace: 'partitionKeyFromQuery' | 'partitionKeyFromLambda', readonly key: string) {
    super(`no value for !{${namespace}:${key}}`);
    this.name = 'MissingPartitionKeyError';
  }
}

type Piece =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'timestamp'; readonly pattern: DatePattern }
  | { readonly kind: 'random' }
  | { readonly kind: 'errorType' }
  | { readonly kind: 'partition'; readonly namespace: 'partitionKeyFromQuery' | 'partitionKeyFromLambda'; readonly key: string };

interface Parsed {
  readonly pieces: readonly Piece[];
  readonly expressions: number;
  readonly has: (kind: Piece['kind']) => boolean;
}

const EXPRESSION = /!\{([a-zA-Z]+):([^{}]*)\}/y;
const NAMESPACES = new Set(['timestamp', 'firehose', 'partitionKeyFromQuery', 'partitionKeyFromLambda']);
/** The default prefix, and what a prefix without expressions gets appended, literally: `legacy` → `legacy2026/07/13/14/` (observed on AWS, floci-io/floci#1857). */
const DEFAULT_TIME = compileDatePattern('yyyy/MM/dd/HH/');
const invalidArgument = (message: string): never => {
  throw new AwsError('InvalidArgumentException', message);
};

function parse(source: string, member: PrefixMember): Parsed {
  const pieces: Piece[] = [];
  let expressions = 0;
  let pos = 0;
  while (pos < source.length) {
    const open = source.indexOf('!{', pos);
    if (open < 0) {
      pieces.push({ kind: 'literal', text: source.slice(pos) });
      break;
    }
    if (open > pos) pieces.push({ kind: 'literal', text: source.slice(pos, open) });
    EXPRESSION.lastIndex = open;
    const m = EXPRESSION.exec(source);
    if (m === null) return invalidArgument(PREFIX_MESSAGES.invalidExpression);
    const [whole, ns, value] = m as unknown as [string, string, string];
    if (!NAMESPACES.has(ns)) invalidArgument(PREFIX_MESSAGES.unknownNamespace(ns));
    pieces.push(piece(ns, value, member));
    expressions++;
    pos = open + whole.length;
  }
  return { pieces, expressions, has: (kind) => pieces.some((p) => p.kind === kind) };
}

function piece(ns: string, value: string, member: PrefixMember): Piece {
  if (ns === 'timestamp') {
    try {
      return { kind: 'timestamp', pattern: compileDatePattern(value) };
    } catch (e) {
      if (!(e instanceof DatePatternError)) throw e;
      return invalidArgument(e.reason === 'invalid' ? PREFIX_MESSAGES.invalidValue(member) : PREFIX_MESSAGES.unsupported(member, e.message));
    }
  }
  if (ns === 'firehose') {
    if (value === 'random-string') return { kind: 'random' };
    if (value === 'error-output-type') return { kind: 'errorType' };
    return invalidArgument(PREFIX_MESSAGES.invalidValue(member));
  }
  // An empty key: wording not confirmed (Riffle gives the message AWS gives for other bad values).
  if (value === '') invalidArgument(PREFIX_MESSAGES.invalidValue(member));
  return { kind: 'partition', namespace: ns as 'partitionKeyFromQuery' | 'partitionKeyFromLambda', key: value };
}

export interface CompilePrefixesInput {
  readonly prefix?: string | undefined;
  readonly errorOutputPrefix?: string | undefined;
  readonly dynamicPartitioning: boolean;
  /** The instant the 512-character rule evaluates the prefixes at; defaults to now. */
  readonly nowMs?: number;
}

export interface CompiledPrefixes {
  /** Prefix as configured ('' when absent). */
  readonly prefix: string;
  /** ErrorOutputPrefix as configured, undefined when absent or empty (AWS's default applies). */
  readonly errorOutputPrefix: string | undefined;
  readonly dynamicPartitioning: boolean;
  /** Whether Prefix names partition keys: evaluate then needs `partitionKeys`. */
  readonly usesPartitionKeys: boolean;
  /** The prefix of a delivered object; throws MissingPartitionKeyError when a named key is not in `partitionKeys`. */
  evaluate(timestampMs: number, timeZone: string, partitionKeys?: PartitionKeys): string;
  /** The prefix of an object of records that failed (processing, format conversion, ...). */
  evaluateError(timestampMs: number, timeZone: string, errorOutputType: ErrorOutputType): string;
}

function render(pieces: readonly Piece[], timestampMs: number, timeZone: string, errorType: string, keys: PartitionKeys | undefined, missingKey?: string): string {
  const time = pieces.some((p) => p.kind === 'timestamp') ? zonedTime(timestampMs, timeZone) : undefined;
  let out = '';
  for (const p of pieces) {
    switch (p.kind) {
      case 'literal': out += p.text; break;
      case 'timestamp': out += p.pattern.format(time!); break; // one instant for every instance
      case 'random': out += randomString(); break; // a new string for every instance
      case 'errorType': out += errorType; break;
      case 'partition': {
        const v = (p.namespace === 'partitionKeyFromQuery' ? keys?.query : keys?.lambda)?.[p.key] ?? missingKey;
        if (v === undefined) throw new MissingPartitionKeyError(p.namespace, p.key);
        out += v;
        break;
      }
    }
  }
  return out;
}

/** Parses and checks both prefixes; throws AwsError (InvalidArgumentException) as CreateDeliveryStream and UpdateDestination would. */
export function compilePrefixes(input: CompilePrefixesInput): CompiledPrefixes {
  const prefix = input.prefix ?? '';
  const errorOutputPrefix = input.errorOutputPrefix === '' ? undefined : input.errorOutputPrefix;
  const main = parse(prefix, 'Prefix');
  const error = errorOutputPrefix === undefined ? undefined : parse(errorOutputPrefix, 'ErrorOutputPrefix');
  if (main.has('errorType')) invalidArgument(PREFIX_MESSAGES.errorTypeInPrefix);
  if (error?.has('partition') === true) invalidArgument(PREFIX_MESSAGES.partitionInErrorPrefix);
  if (!input.dynamicPartitioning && main.has('partition')) invalidArgument(PREFIX_MESSAGES.partitionNeedsDynamicPartitioning);
  if (input.dynamicPartitioning && !main.has('partition')) invalidArgument(PREFIX_MESSAGES.dynamicPartitioningNeedsPartition);
  if (main.expressions > 0 && error === undefined) invalidArgument(PREFIX_MESSAGES.errorPrefixRequired);
  if (error !== undefined && error.expressions > 0 && !error.has('errorType')) invalidArgument(PREFIX_MESSAGES.errorTypeRequired);

  // A prefix with any expression is used as is; one without gets yyyy/MM/dd/HH/ appended by plain
  // concatenation (AWS, observed: floci-io/floci#1857). s3-prefixes.html says the append happens
  // when there is no *timestamp* expression; what AWS was seen doing is the rule here.
  const mainPieces: Piece[] = main.expressions > 0 ? [...main.pieces] : [...main.pieces, { kind: 'timestamp', pattern: DEFAULT_TIME }];
  // No ErrorOutputPrefix (allowed only when Prefix has no expressions): "ErrorOutputPrefix evaluates
  // to <specified-prefix><error-output-type>YYYY/MM/DD/HH/" (s3-prefixes.html, semantic rules),
  // with the example `myFirehosePrefix/processing-failed/2018/08/27/` showing a `/` after the type,
  // and failed records land "in the processing-failed folder" (data-transformation-failure-handling).
  // A static ErrorOutputPrefix is treated as a static Prefix is: the time appended [INF].
  const errorPieces: Piece[] =
    error === undefined
      ? [{ kind: 'literal', text: prefix }, { kind: 'errorType' }, { kind: 'literal', text: '/' }, { kind: 'timestamp', pattern: DEFAULT_TIME }]
      : error.expressions > 0
        ? [...error.pieces]
        : [...error.pieces, { kind: 'timestamp', pattern: DEFAULT_TIME }];

  // The 512 rule, checked now as AWS checks it at create time: partition keys are unknown until
  // records arrive, so each counts as one character (a lower bound); the error type as
  // processing-failed.
  const nowMs = input.nowMs ?? Date.now();
  if (render(mainPieces, nowMs, 'UTC', '', undefined, '-').length > EVALUATED_PREFIX_MAX) invalidArgument(PREFIX_MESSAGES.tooLong('Prefix'));
  if (error !== undefined && render(errorPieces, nowMs, 'UTC', 'processing-failed', undefined).length > EVALUATED_PREFIX_MAX) {
    invalidArgument(PREFIX_MESSAGES.tooLong('ErrorOutputPrefix'));
  }

  return {
    prefix,
    errorOutputPrefix,
    dynamicPartitioning: input.dynamicPartitioning,
    usesPartitionKeys: main.has('partition'),
    evaluate: (timestampMs, timeZone, partitionKeys) => render(mainPieces, timestampMs, timeZone, '', partitionKeys),
    evaluateError: (timestampMs, timeZone, errorOutputType) => render(errorPieces, timestampMs, timeZone, errorOutputType, undefined),
  };
}

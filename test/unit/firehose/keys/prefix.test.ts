import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../../src/aws/errors.js';
import { compilePrefixes, EVALUATED_PREFIX_MAX, MissingPartitionKeyError, PREFIX_MESSAGES, type CompilePrefixesInput } from '../../../../src/firehose/keys/prefix.js';

const AUG_27_2018_1030 = Date.UTC(2018, 7, 27, 10, 30); // the instant of the docs' example table
const HEX11 = '[0-9a-f]{11}';

function rejection(input: CompilePrefixesInput): AwsError {
  try {
    compilePrefixes(input);
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

function rejects(input: CompilePrefixesInput, message: string): void {
  const err = rejection(input);
  expect(err.code).toBe('InvalidArgumentException');
  expect(err.httpStatus).toBe(400);
  expect(err.message).toBe(message);
}

describe('S3 prefixes: the examples of https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html', () => {
  it('Prefix unspecified, ErrorOutputPrefix myFirehoseFailures/!{firehose:error-output-type}/', () => {
    const p = compilePrefixes({ errorOutputPrefix: 'myFirehoseFailures/!{firehose:error-output-type}/', dynamicPartitioning: false });
    // The table prints `2018/08/27/10`; the rule it follows appends `!{timestamp:yyyy/MM/dd/HH/}`, slash included.
    expect(p.evaluate(AUG_27_2018_1030, 'UTC')).toBe('2018/08/27/10/');
    expect(p.evaluateError(AUG_27_2018_1030, 'UTC', 'processing-failed')).toBe('myFirehoseFailures/processing-failed/');
  });

  it('Prefix !{timestamp:yyyy/MM/dd} with no ErrorOutputPrefix is invalid input', () => {
    rejects({ prefix: '!{timestamp:yyyy/MM/dd}', dynamicPartitioning: false }, PREFIX_MESSAGES.errorPrefixRequired);
    rejects({ prefix: '!{timestamp:yyyy/MM/dd}', errorOutputPrefix: '', dynamicPartitioning: false }, PREFIX_MESSAGES.errorPrefixRequired);
    // As a Terraform user pasted it from AWS (hashicorp/terraform-provider-aws PR #13416).
    expect(PREFIX_MESSAGES.errorPrefixRequired).toBe(
      'Ths supplied prefix(es) do not satisfy the following constraint: ErrorOutputPrefix cannot be null or empty when Prefix contains expressions',
    );
  });

  it('DeliveredYear with a random string, and an error prefix with the error type and two timestamps', () => {
    const p = compilePrefixes({
      prefix: 'myFirehose/DeliveredYear=!{timestamp:yyyy}/anyMonth/rand=!{firehose:random-string}',
      errorOutputPrefix: 'myFirehoseFailures/!{firehose:error-output-type}/!{timestamp:yyyy}/anyMonth/!{timestamp:dd}',
      dynamicPartitioning: false,
    });
    expect(p.evaluate(AUG_27_2018_1030, 'UTC')).toMatch(new RegExp(`^myFirehose/DeliveredYear=2018/anyMonth/rand=${HEX11}$`)); // docs: rand=5abf82daaa5
    // The docs print `.../anyMonth/10` for this instant; dd of August 27 is 27.
    expect(p.evaluateError(AUG_27_2018_1030, 'UTC', 'processing-failed')).toBe('myFirehoseFailures/processing-failed/2018/anyMonth/27');
  });

  it('year=/month=/day=/hour= folders, also written as one expression with quoted literals', () => {
    const at = Date.UTC(2018, 6, 6, 23, 15); // the row's output is of July 6, 2018, 23:xx
    const p = compilePrefixes({
      prefix: 'myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
      errorOutputPrefix: 'myErrorPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/!{firehose:error-output-type}',
      dynamicPartitioning: false,
    });
    expect(p.evaluate(at, 'UTC')).toBe('myPrefix/year=2018/month=07/day=06/hour=23/');
    expect(p.evaluateError(at, 'UTC', 'processing-failed')).toBe('myErrorPrefix/year=2018/month=07/day=06/hour=23/processing-failed');
    // The older version of the row (awsdocs/amazon-kinesis-data-firehose-developer-guide, s3-prefixes.md).
    const quoted = compilePrefixes({
      prefix: 'myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
      errorOutputPrefix: "myErrorPrefix/!{timestamp:'year='yyyy'/month='MM'/day='dd'/hour='HH}/!{firehose:error-output-type}",
      dynamicPartitioning: false,
    });
    expect(quoted.evaluateError(at, 'UTC', 'processing-failed')).toBe('myErrorPrefix/year=2018/month=07/day=06/hour=23/processing-failed');
  });

  it('a static Prefix gets yyyy/MM/dd/HH/ by plain concatenation, as AWS was seen doing (the docs table shows myFirehosePrefix/2018/08/27/)', () => {
    const p = compilePrefixes({ prefix: 'myFirehosePrefix', dynamicPartitioning: false });
    expect(p.evaluate(AUG_27_2018_1030, 'UTC')).toBe('myFirehosePrefix2018/08/27/10/');
    expect(p.evaluateError(AUG_27_2018_1030, 'UTC', 'processing-failed')).toBe('myFirehosePrefixprocessing-failed/2018/08/27/10/');
    const slash = compilePrefixes({ prefix: 'myFirehosePrefix/', dynamicPartitioning: false });
    expect(slash.evaluate(AUG_27_2018_1030, 'UTC')).toBe('myFirehosePrefix/2018/08/27/10/');
    expect(slash.evaluateError(AUG_27_2018_1030, 'UTC', 'processing-failed')).toBe('myFirehosePrefix/processing-failed/2018/08/27/10/');
    // floci-io/floci#1857, observed in eu-west-1 on 2026-07-13.
    const legacy = compilePrefixes({ prefix: 'legacy', dynamicPartitioning: false });
    expect(legacy.evaluate(Date.UTC(2026, 6, 13, 14, 2, 3), 'UTC')).toBe('legacy2026/07/13/14/');
  });

  it('the firehose namespace table: error-output-type and random-string', () => {
    const p = compilePrefixes({ prefix: 'myPrefix/!{firehose:random-string}/', errorOutputPrefix: 'myPrefix/result=!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}', dynamicPartitioning: false });
    expect(p.evaluateError(Date.UTC(2018, 7, 3, 12), 'UTC', 'processing-failed')).toBe('myPrefix/result=processing-failed/2018/08/03');
    expect(p.evaluate(AUG_27_2018_1030, 'UTC')).toMatch(new RegExp(`^myPrefix/${HEX11}/$`)); // docs: myPrefix/046b6c7f-0b/
  });
});

describe('S3 prefixes: evaluation', () => {
  it('evaluates every timestamp at one instant, and every random-string afresh', () => {
    const p = compilePrefixes({ prefix: '!{timestamp:HH:mm:ss.SSS}|!{timestamp:ss.SSS}|!{firehose:random-string}|!{firehose:random-string}', errorOutputPrefix: 'e/!{firehose:error-output-type}', dynamicPartitioning: false });
    const [a, b, r1, r2] = p.evaluate(Date.UTC(2026, 0, 2, 3, 4, 5, 678), 'UTC').split('|');
    expect([a, b]).toEqual(['03:04:05.678', '05.678']);
    expect(r1).toMatch(new RegExp(`^${HEX11}$`));
    expect(r2).not.toBe(r1);
    expect(compilePrefixes({ prefix: "!{timestamp:'year='yyyy'/month='MM}/", errorOutputPrefix: '!{firehose:error-output-type}/', dynamicPartitioning: false }).evaluate(AUG_27_2018_1030, 'UTC')).toBe('year=2018/month=08/');
  });

  it('evaluates in CustomTimeZone: America/Los_Angeles across both 2026 DST transitions', () => {
    const p = compilePrefixes({ prefix: 'logs/!{timestamp:yyyy/MM/dd/HH}/!{timestamp:Z}/', errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/', dynamicPartitioning: false });
    const la = 'America/Los_Angeles';
    expect(p.evaluate(Date.UTC(2026, 2, 8, 9, 59, 59), la)).toBe('logs/2026/03/08/01/-0800/');
    expect(p.evaluate(Date.UTC(2026, 2, 8, 10, 0, 0), la)).toBe('logs/2026/03/08/03/-0700/'); // 02:xx never happens
    expect(p.evaluate(Date.UTC(2026, 10, 1, 8, 30), la)).toBe('logs/2026/11/01/01/-0700/');
    expect(p.evaluate(Date.UTC(2026, 10, 1, 9, 30), la)).toBe('logs/2026/11/01/01/-0800/'); // 01:xx happens twice
    expect(p.evaluateError(Date.UTC(2026, 10, 1, 9, 30), la, 'format-conversion-failed')).toBe('errors/format-conversion-failed/2026/11/01/01/');
    // The default prefix too: it is in the zone, not in UTC.
    expect(compilePrefixes({ dynamicPartitioning: false }).evaluate(Date.UTC(2026, 0, 1, 5), la)).toBe('2025/12/31/21/');
  });

  it('takes partition keys from the hook when dynamic partitioning is on, and says which one is missing', () => {
    const p = compilePrefixes({ prefix: 'c=!{partitionKeyFromQuery:customer_id}/d=!{partitionKeyFromLambda:device}/!{timestamp:yyyy}/', errorOutputPrefix: 'err/!{firehose:error-output-type}/', dynamicPartitioning: true });
    expect(p.usesPartitionKeys).toBe(true);
    expect(p.evaluate(AUG_27_2018_1030, 'UTC', { query: { customer_id: '42' }, lambda: { device: 'phone' } })).toBe('c=42/d=phone/2018/');
    let missing: unknown;
    try {
      p.evaluate(AUG_27_2018_1030, 'UTC', { query: { customer_id: '42' } });
    } catch (e) {
      missing = e;
    }
    expect(missing).toBeInstanceOf(MissingPartitionKeyError);
    expect(missing).toMatchObject({ namespace: 'partitionKeyFromLambda', key: 'device' });
  });
});

describe('S3 prefixes: what AWS rejects, in its words', () => {
  const ok = 'e/!{firehose:error-output-type}/';
  it('a !{ outside a !{namespace:value} expression', () => {
    for (const prefix of ['a!{b', '!{timestamp}', '!{timestamp:yyyy', '!{ timestamp:yyyy}', '!{timestamp:{yyyy}}', '!{:yyyy}', 'ok/!{timestamp:yyyy}/!{']) {
      rejects({ prefix, errorOutputPrefix: ok, dynamicPartitioning: false }, 'Invalid expression usage');
    }
    rejects({ prefix: 'p/', errorOutputPrefix: 'e/!{firehose:error-output-type', dynamicPartitioning: false }, 'Invalid expression usage');
  });

  it('an unknown namespace', () => {
    rejects({ prefix: '!{foo:bar}', errorOutputPrefix: ok, dynamicPartitioning: false }, 'Namespace to the left of colon (foo) is an invalid keyword!');
    rejects({ prefix: '!{Timestamp:yyyy}', errorOutputPrefix: ok, dynamicPartitioning: false }, 'Namespace to the left of colon (Timestamp) is an invalid keyword!');
  });

  it('an unknown firehose: key, or a pattern java.time rejects, naming the member', () => {
    rejects({ prefix: '!{firehose:random}', errorOutputPrefix: ok, dynamicPartitioning: false }, 'Invalid conversion character used in the value of the expression in Prefix');
    for (const pattern of ['yyyy-oo', 'ddd', 'V', "'open", '#', 'yyyy]']) {
      rejects({ prefix: `!{timestamp:${pattern}}`, errorOutputPrefix: ok, dynamicPartitioning: false }, 'Invalid conversion character used in the value of the expression in Prefix');
      rejects({ prefix: 'p/', errorOutputPrefix: `${ok}!{timestamp:${pattern}}`, dynamicPartitioning: false }, 'Invalid conversion character used in the value of the expression in ErrorOutputPrefix');
    }
    rejects({ prefix: '!{partitionKeyFromQuery:}', errorOutputPrefix: ok, dynamicPartitioning: true }, 'Invalid conversion character used in the value of the expression in Prefix');
  });

  it('error-output-type in Prefix, and an ErrorOutputPrefix with expressions but without it', () => {
    rejects({ prefix: 'p/!{firehose:error-output-type}/', errorOutputPrefix: ok, dynamicPartitioning: false }, 'Ths supplied prefix(es) do not satisfy the following constraint: Prefix must not contain any occurrence of !{firehose:error-output-type}');
    rejects({ prefix: 'p/!{timestamp:yyyy}/', errorOutputPrefix: 'errors/!{timestamp:yyyy}/', dynamicPartitioning: false }, 'Ths supplied prefix(es) do not satisfy the following constraint: ErrorOutputPrefix must contain at least one occurrence of !{firehose:error-output-type}');
    // Without expressions an ErrorOutputPrefix needs no error type; it gets the time appended, like a static Prefix.
    const p = compilePrefixes({ prefix: 'p/!{timestamp:yyyy}/', errorOutputPrefix: 'errors/', dynamicPartitioning: false });
    expect(p.evaluateError(AUG_27_2018_1030, 'UTC', 'processing-failed')).toBe('errors/2018/08/27/10/');
  });

  it('partition namespaces without dynamic partitioning, in an error prefix, or missing when it is on', () => {
    rejects({ prefix: '!{partitionKeyFromQuery:id}/', errorOutputPrefix: ok, dynamicPartitioning: false }, 'Dynamic Partitioning Namespaces can only be part of a prefix expression when Dynamic Partitioning is enabled.');
    rejects({ prefix: '!{partitionKeyFromLambda:id}/', errorOutputPrefix: ok, dynamicPartitioning: false }, 'Dynamic Partitioning Namespaces can only be part of a prefix expression when Dynamic Partitioning is enabled.');
    rejects({ prefix: '!{partitionKeyFromQuery:id}/', errorOutputPrefix: `${ok}!{partitionKeyFromLambda:id}`, dynamicPartitioning: true }, "Dynamic Partitioning Namespaces can't be part of an error prefix expression");
    rejects({ prefix: '!{timestamp:yyyy}/', errorOutputPrefix: ok, dynamicPartitioning: true }, 'S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic Partitioning is enabled');
    rejects({ dynamicPartitioning: true }, 'S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic Partitioning is enabled');
    rejects({ prefix: '!{partitionKeyFromQuery:id}/', dynamicPartitioning: true }, PREFIX_MESSAGES.errorPrefixRequired);
  });

  it(`more than ${EVALUATED_PREFIX_MAX} characters once evaluated`, () => {
    const at = { nowMs: AUG_27_2018_1030, dynamicPartitioning: false };
    // A static prefix is evaluated with its appended yyyy/MM/dd/HH/ (14 characters).
    expect(compilePrefixes({ ...at, prefix: 'x'.repeat(EVALUATED_PREFIX_MAX - 14) }).evaluate(AUG_27_2018_1030, 'UTC')).toHaveLength(EVALUATED_PREFIX_MAX);
    rejects({ ...at, prefix: 'x'.repeat(EVALUATED_PREFIX_MAX - 13) }, 'Length of evaluated prefix cannot be greater than 512');
    // Expressions count as what they evaluate to: MMMM is "August", random-string 11 characters.
    rejects({ ...at, prefix: `${'x'.repeat(500)}!{timestamp:MMMM}!{firehose:random-string}`, errorOutputPrefix: ok }, 'Length of evaluated prefix cannot be greater than 512');
    compilePrefixes({ ...at, prefix: `${'x'.repeat(495)}!{timestamp:MMMM}!{firehose:random-string}`, errorOutputPrefix: ok });
    // The error type counts as processing-failed (17 characters).
    compilePrefixes({ ...at, prefix: 'p/', errorOutputPrefix: `${'x'.repeat(EVALUATED_PREFIX_MAX - 17)}!{firehose:error-output-type}` });
    rejects({ ...at, prefix: 'p/', errorOutputPrefix: `${'x'.repeat(EVALUATED_PREFIX_MAX - 16)}!{firehose:error-output-type}` }, 'Length of evaluated ErrorOutputPrefix cannot be greater than 512');
    // Partition keys are unknown until records arrive: one character each, a lower bound.
    compilePrefixes({ ...at, prefix: `${'x'.repeat(EVALUATED_PREFIX_MAX - 1)}!{partitionKeyFromQuery:k}`, errorOutputPrefix: ok, dynamicPartitioning: true });
    rejects({ ...at, prefix: `${'x'.repeat(EVALUATED_PREFIX_MAX)}!{partitionKeyFromQuery:k}`, errorOutputPrefix: ok, dynamicPartitioning: true }, 'Length of evaluated prefix cannot be greater than 512');
  });

  it('a pattern java.time takes that Riffle cannot evaluate, in words of its own', () => {
    rejects({ prefix: '!{timestamp:yyyy z}', errorOutputPrefix: ok, dynamicPartitioning: false }, "Riffle does not support pattern letter 'z' (time-zone name) in the value of the expression in Prefix");
  });
});

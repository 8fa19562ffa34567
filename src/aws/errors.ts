// The one table of AWS errors Riffle can return. Status codes follow what the Kinesis service
// returns for AWS JSON 1.1 (client errors are 400, server errors 5xx). `retryable` mirrors the AWS
// SDKs' own classification so our producer client can use the same rule.

export const AWS_ERRORS = {
  // Request shape and protocol
  SerializationException: { httpStatus: 400, retryable: false },
  ValidationException: { httpStatus: 400, retryable: false },
  UnknownOperationException: { httpStatus: 400, retryable: false },
  MissingAuthenticationTokenException: { httpStatus: 400, retryable: false },
  IncompleteSignatureException: { httpStatus: 400, retryable: false },
  InvalidSignatureException: { httpStatus: 400, retryable: false },
  AccessDeniedException: { httpStatus: 400, retryable: false },
  // Kinesis service errors
  InvalidArgumentException: { httpStatus: 400, retryable: false },
  ResourceNotFoundException: { httpStatus: 400, retryable: false },
  ResourceInUseException: { httpStatus: 400, retryable: false },
  LimitExceededException: { httpStatus: 400, retryable: true },
  ExpiredIteratorException: { httpStatus: 400, retryable: false },
  ExpiredNextTokenException: { httpStatus: 400, retryable: false },
  ProvisionedThroughputExceededException: { httpStatus: 400, retryable: true },
  // Server side
  InternalFailure: { httpStatus: 500, retryable: true },
  ServiceUnavailable: { httpStatus: 503, retryable: true },
} as const satisfies Record<string, { httpStatus: number; retryable: boolean }>;

export type AwsErrorCode = keyof typeof AWS_ERRORS;

export class KinesisError extends Error {
  readonly code: AwsErrorCode;
  readonly httpStatus: number;
  readonly retryable: boolean;
  /**
   * AWS spells the message member `Message` on a few protocol errors (SerializationException from
   * the JSON/CBOR deserializer) and `message` everywhere else; clients read either.
   */
  readonly messageKey: 'message' | 'Message';

  constructor(code: AwsErrorCode, message?: string, options?: { cause?: unknown; messageKey?: 'message' | 'Message' }) {
    super(message ?? '', options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = code;
    this.code = code;
    this.httpStatus = AWS_ERRORS[code].httpStatus;
    this.retryable = AWS_ERRORS[code].retryable;
    this.messageKey = options?.messageKey ?? 'message';
  }

  /** The JSON (or CBOR) body AWS sends: `{ "__type": ..., "message": ... }`. */
  toWire(): Record<string, string> {
    const body: Record<string, string> = { __type: this.code };
    if (this.message !== '') body[this.messageKey] = this.message;
    return body;
  }
}

export function isKinesisError(e: unknown): e is KinesisError {
  return e instanceof KinesisError;
}

/**
 * Numeric error codes that cross thread boundaries (Error classes do not survive postMessage or
 * a ring). Workers send these; the engine maps them back to KinesisError with a message.
 */
export const WIRE_ERROR = {
  OK: 0,
  THROTTLED: 1,
  SHARD_NOT_FOUND: 2,
  INTERNAL: 4,
  READ_THROTTLED: 5,
  /** SequenceNumberForOrdering names a counter this shard has not issued yet. */
  ORDERING_AHEAD: 6,
} as const;
export type WireError = (typeof WIRE_ERROR)[keyof typeof WIRE_ERROR];

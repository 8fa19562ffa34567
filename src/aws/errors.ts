// The one table of AWS errors Riffle returns, for every service it serves, and the one error type
// that carries them. Status codes are what the services return over AWS JSON 1.1 (client errors
// 400, server errors 5xx); `retryable` mirrors the AWS SDKs' own classification, so our producer
// client can use the same rule. A service adds its own codes here, in its own section: the engine
// and the transports throw the same type whichever service asked.

export const AWS_ERRORS = {
  // Request shape and protocol (every AWS JSON service)
  SerializationException: { httpStatus: 400, retryable: false },
  ValidationException: { httpStatus: 400, retryable: false },
  UnknownOperationException: { httpStatus: 400, retryable: false },
  MissingAuthenticationTokenException: { httpStatus: 400, retryable: false },
  IncompleteSignatureException: { httpStatus: 400, retryable: false },
  InvalidSignatureException: { httpStatus: 400, retryable: false },
  UnrecognizedClientException: { httpStatus: 400, retryable: false },
  AccessDeniedException: { httpStatus: 400, retryable: false },
  // Resource errors shared by Kinesis and Firehose
  InvalidArgumentException: { httpStatus: 400, retryable: false },
  ResourceNotFoundException: { httpStatus: 400, retryable: false },
  ResourceInUseException: { httpStatus: 400, retryable: false },
  LimitExceededException: { httpStatus: 400, retryable: true },
  // Kinesis Data Streams
  ExpiredIteratorException: { httpStatus: 400, retryable: false },
  ExpiredNextTokenException: { httpStatus: 400, retryable: false },
  ProvisionedThroughputExceededException: { httpStatus: 400, retryable: true },
  // Firehose (its model: server faults are ServiceUnavailableException, with 'Slow down.' for its quotas)
  ConcurrentModificationException: { httpStatus: 400, retryable: false },
  InvalidKMSResourceException: { httpStatus: 400, retryable: false },
  InvalidSourceException: { httpStatus: 400, retryable: false },
  ServiceUnavailableException: { httpStatus: 503, retryable: true },
  // Server side
  InternalFailure: { httpStatus: 500, retryable: true },
  ServiceUnavailable: { httpStatus: 503, retryable: true },
} as const satisfies Record<string, { httpStatus: number; retryable: boolean }>;

export type AwsErrorCode = keyof typeof AWS_ERRORS;

export class AwsError extends Error {
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

export function isAwsError(e: unknown): e is AwsError {
  return e instanceof AwsError;
}

/** What Kinesis says of a record or a call it failed to serve (PutRecords' per-record ErrorMessage). */
export const INTERNAL_FAILURE_MESSAGE = 'Internal service failure.';

export function internalFailure(cause?: unknown): AwsError {
  return new AwsError('InternalFailure', INTERNAL_FAILURE_MESSAGE, cause === undefined ? undefined : { cause });
}

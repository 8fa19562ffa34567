// S3's REST errors: one table of the codes this read-only S3 API answers, with S3's HTTP status
// and S3's own message for each (docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html,
// "List of error codes"), and one error type carrying them. S3's errors are XML documents with a
// per-code status and extra elements (BucketName, Key, ...), unlike the JSON services' table in
// aws/errors.ts, so they live with the service. `retryable` is the AWS SDKs' classification.

export const S3_ERRORS = {
  AccessDenied: { httpStatus: 403, retryable: false, message: 'Access Denied' },
  InvalidArgument: { httpStatus: 400, retryable: false, message: 'Invalid Argument' },
  InvalidBucketName: { httpStatus: 400, retryable: false, message: 'The specified bucket is not valid.' },
  InvalidRange: { httpStatus: 416, retryable: false, message: 'The requested range is not satisfiable' },
  InvalidURI: { httpStatus: 400, retryable: false, message: "Couldn't parse the specified URI." },
  MethodNotAllowed: { httpStatus: 405, retryable: false, message: 'The specified method is not allowed against this resource.' },
  NoSuchBucket: { httpStatus: 404, retryable: false, message: 'The specified bucket does not exist' },
  NoSuchKey: { httpStatus: 404, retryable: false, message: 'The specified key does not exist.' },
  NotImplemented: { httpStatus: 501, retryable: false, message: 'A header you provided implies functionality that is not implemented' },
  PreconditionFailed: { httpStatus: 412, retryable: false, message: 'At least one of the pre-conditions you specified did not hold' },
  InternalError: { httpStatus: 500, retryable: true, message: 'We encountered an internal error. Please try again.' },
  // Signature Version 4 (--auth sigv4)
  InvalidAccessKeyId: { httpStatus: 403, retryable: false, message: 'The AWS Access Key Id you provided does not exist in our records.' },
  SignatureDoesNotMatch: { httpStatus: 403, retryable: false, message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.' },
  RequestTimeTooSkewed: { httpStatus: 403, retryable: false, message: 'The difference between the request time and the current time is too large.' },
} as const satisfies Record<string, { httpStatus: number; retryable: boolean; message: string }>;

export type S3ErrorCode = keyof typeof S3_ERRORS;

export class S3Error extends Error {
  readonly code: S3ErrorCode;
  readonly httpStatus: number;
  readonly retryable: boolean;
  /** Elements S3 adds after Message, in S3's order: [['BucketName', 'b']], [['Key', 'k']], ... */
  readonly details: ReadonlyArray<readonly [string, string]>;
  /** Response headers the error carries (Content-Range on InvalidRange). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: S3ErrorCode,
    options: { message?: string; details?: Array<readonly [string, string]>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(options.message ?? S3_ERRORS[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = code;
    this.code = code;
    this.httpStatus = S3_ERRORS[code].httpStatus;
    this.retryable = S3_ERRORS[code].retryable;
    this.details = options.details ?? [];
    this.headers = options.headers ?? {};
  }
}

export const noSuchBucket = (bucket: string): S3Error => new S3Error('NoSuchBucket', { details: [['BucketName', bucket]] });
export const noSuchKey = (key: string): S3Error => new S3Error('NoSuchKey', { details: [['Key', key]] });

/** S3's InvalidArgument names the argument and echoes its value. */
export function invalidArgument(message: string, name: string, value: string): S3Error {
  return new S3Error('InvalidArgument', { message, details: [['ArgumentName', name], ['ArgumentValue', value]] });
}

import type { AwsService, PageHandler, RestService } from '../aws/http.js';
import type { Admission } from './admission.js';

/** What every endpoint (server/aws-endpoint.ts, server/uws-adapter.ts) is started with. */
export interface EndpointOptions {
  host: string;
  /** 0 picks an ephemeral port; the bound port is returned. */
  port: number;
  services: AwsService[];
  /** REST-protocol services (S3), each given the requests signed for its signing name (aws/protocol.ts). */
  restServices?: RestService[];
  /** Largest request body accepted; larger bodies get 413. Default MAX_BODY_BYTES_DEFAULT. */
  maxBodyBytes?: number;
  /** Host and Origin checks and the body budget (server/admission.ts); default: loopback only, no origins. */
  admission?: Admission;
  /** --auth sigv4: access key id → secret, against which every signature is verified (WebSocket upgrades too). */
  secrets?: ReadonlyMap<string, string> | null;
  /** --tls-cert / --tls-key: PEM files; the endpoint then serves HTTPS (and wss) only. */
  tls?: { certFile: string; keyFile: string } | null;
  /** Unsigned GET pages (/metrics, /health, the dashboard), asked before the services. */
  pages?: PageHandler;
}

export interface RunningEndpoint {
  readonly port: number;
  /** Stops listening and closes every open connection; resolves when the port is free. */
  close(): Promise<void>;
}

/**
 * 8 MiB. The largest legitimate bodies are PutRecords (5 MiB of data per request, AWS Kinesis
 * quotas) and PutRecordBatch (4 MiB, Firehose quotas); base64 in JSON inflates data by 4/3, so
 * 5 MiB becomes 6.67 MiB, plus up to 500 partition keys of 256 chars and JSON punctuation (~0.2 MiB).
 * kinesalite stops at 7 MiB, which leaves little slack over 6.87 MiB; 8 MiB keeps the same order
 * of magnitude while bounding per-request memory.
 */
/** A PutRecords of 10 MiB of large records is about 13.4 MiB of JSON (base64): it fits. */
export const MAX_BODY_BYTES_DEFAULT = 16 * 1024 * 1024;
const MAX_BODY_BYTES_MIN = 1024;
const MAX_BODY_BYTES_MAX = 1024 * 1024 * 1024;

/** Checks endpoint options once at start-up; returns the effective body limit. */
export function checkEndpointOptions(options: EndpointOptions): number {
  const { port, maxBodyBytes = MAX_BODY_BYTES_DEFAULT } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer in [0, 65535], got ${String(port)}`);
  }
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < MAX_BODY_BYTES_MIN || maxBodyBytes > MAX_BODY_BYTES_MAX) {
    throw new RangeError(
      `maxBodyBytes must be an integer in [${MAX_BODY_BYTES_MIN}, ${MAX_BODY_BYTES_MAX}], got ${String(maxBodyBytes)}`,
    );
  }
  if (options.services.length === 0) throw new RangeError('services must name at least one AwsService');
  return maxBodyBytes;
}

/**
 * Where the client commands send their calls, and as whom. `--endpoint URL` (or $RIFFLE_ENDPOINT)
 * names any Kinesis endpoint: Riffle's (the default, http://127.0.0.1:4567) or, with `--endpoint
 * aws`, AWS's own as the SDK resolves it (region, FIPS, $AWS_ENDPOINT_URL...). Credentials and
 * region come as for any AWS tool: the environment, ~/.aws/config and ~/.aws/credentials, SSO,
 * instance roles (the SDK's default chain); `--region` overrides. Against a loopback endpoint with
 * no credentials anywhere, placeholder keys are used (Riffle without --auth sigv4 does not check them).
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { UsageError, str, type OptionTable, type Parsed } from './args.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4567';
const LOCAL_CREDENTIALS = { accessKeyId: 'riffle', secretAccessKey: 'riffle' };

export const TARGET_OPTIONS: OptionTable = {
  endpoint: { kind: 'string', help: `the Kinesis endpoint (default $RIFFLE_ENDPOINT, else ${DEFAULT_ENDPOINT}); "aws" for AWS itself` },
  region: { kind: 'string', help: 'the region (default: $AWS_REGION, ~/.aws/config, else us-east-1)' },
};

export interface Target {
  /** undefined: AWS's own endpoint, as the SDK resolves it. */
  endpoint: string | undefined;
  /** A Riffle-style loopback endpoint: the Riffle-only extras (/stats, WebSocket transport) may be there. */
  local: boolean;
  region: string | undefined;
  kinesis: KinesisClient;
  /** The credentials the SDK resolved (for the transports that sign by themselves). */
  credentials(): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;
}

function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

export function targetOf(p: Parsed): Target {
  // The SDK warns once per process that its releases after January 2027 need Node 22; the versions
  // package-lock.json pins run on Node 20, and a command line tool should not print it every run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const named = str(p, 'endpoint') ?? process.env.RIFFLE_ENDPOINT ?? DEFAULT_ENDPOINT;
  let endpoint: string | undefined;
  let local = false;
  if (named !== 'aws') {
    let url: URL;
    try {
      url = new URL(named);
    } catch {
      throw new UsageError(`--endpoint ${JSON.stringify(named)}: a URL such as ${DEFAULT_ENDPOINT}, or "aws"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--endpoint ${named}: http:// or https://`);
    endpoint = url.origin;
    local = isLoopback(url);
  }
  const chain = defaultProvider();
  const credentials = async () => {
    try {
      return await chain();
    } catch (err) {
      if (local) return LOCAL_CREDENTIALS;
      throw err;
    }
  };
  const region = str(p, 'region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? (local ? 'us-east-1' : undefined);
  const kinesis = new KinesisClient({
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
    credentials,
    // HTTP/1.1 keep-alive: what every AWS endpoint speaks (the Kinesis client's HTTP/2 default
    // matters only for SubscribeToShard, which these commands do not call).
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000 }),
    maxAttempts: 3,
  });
  return { endpoint, local, region, kinesis, credentials };
}

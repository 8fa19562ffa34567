// `riffle bench --target URL`: a server already running (the user's Riffle, with its limits, or any
// Kinesis endpoint) in place of the servers the benchmark starts. What it is decides the rows:
// Riffle's stream port (found by GET /health on the port after the AWS port, or --stream-target)
// adds the WebSocket row; an endpoint that refuses unsigned requests gets only the SDK rows, signed
// with the credentials of the AWS environment (the SDK's default chain).
import { spawn } from 'node:child_process';
import { CreateStreamCommand, DeleteStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { api } from './aws-api.mjs';

const AUTH_ERRORS = /UnrecognizedClientException|InvalidSignatureException|MissingAuthenticationToken|IncompleteSignature|AccessDenied|ExpiredToken/;

async function health(url) {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3000) });
    if (res.status !== 200 && res.status !== 503) return null;
    const body = await res.json();
    return typeof body.version === 'string' ? body : null;
  } catch {
    return null;
  }
}

export async function probeTarget(targetUrl, streamTarget) {
  let url;
  try {
    url = new URL(targetUrl).origin;
  } catch {
    console.error(`riffle bench: --target ${targetUrl}: a URL such as http://127.0.0.1:4567`);
    process.exit(2);
  }
  const h = await health(url);
  let streamUrl = streamTarget === '' ? null : new URL(streamTarget).origin;
  if (streamUrl === null && h !== null) {
    const u = new URL(url);
    const guess = `${u.protocol}//${u.hostname}:${Number(u.port || (u.protocol === 'https:' ? 443 : 80)) + 1}`;
    if ((await health(guess)) !== null) streamUrl = guess;
  }
  let signed = false;
  try {
    await api(url, 'ListStreams', {});
  } catch (err) {
    if (AUTH_ERRORS.test(String(err.message))) signed = true;
    else if (!/^ListStreams:/.test(String(err.message))) {
      console.error(`riffle bench: --target ${url} does not answer (${err.message})`);
      process.exit(1);
    }
  }
  return { url, streamUrl, riffle: h !== null, version: h?.version ?? null, signed };
}

export function targetScenarios(t) {
  const rows = [];
  if (!t.signed) rows.push({ engine: 'target', port: 'aws', mode: 'raw', protocol: 'http1', label: 'pre-encoded HTTP/1.1 → target' });
  rows.push({ engine: 'target', port: 'aws', mode: 'sdk', protocol: 'http2', label: 'AWS SDK v3 default (HTTP/2) → target', signed: t.signed });
  rows.push({ engine: 'target', port: 'aws', mode: 'sdk', protocol: 'http1', label: 'AWS SDK v3 HTTP/1.1 → target', signed: t.signed });
  if (!t.signed && t.streamUrl !== null) rows.push({ engine: 'target', port: 'uws', mode: 'ws', protocol: 'ws', label: 'binary WebSocket → target stream port /ingest' });
  return rows;
}

/** Creates (and waits for ACTIVE) and deletes the benchmark's own streams on the target. */
export function targetStreams(t, shards) {
  const client = t.signed ? new KinesisClient({ endpoint: t.url, requestHandler: new NodeHttpHandler() }) : null;
  const call = (op, Command, input) => (client === null ? api(t.url, op, input) : client.send(new Command(input)));
  return {
    async create(name) {
      await call('CreateStream', CreateStreamCommand, { StreamName: name, ShardCount: shards });
      for (let i = 0; i < 600; i++) {
        const d = await call('DescribeStreamSummary', DescribeStreamSummaryCommand, { StreamName: name });
        if (d.StreamDescriptionSummary.StreamStatus === 'ACTIVE') return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`stream ${name} never became ACTIVE on ${t.url}`);
    },
    async delete(name) {
      await call('DeleteStream', DeleteStreamCommand, { StreamName: name, EnforceConsumerDeletion: true }).catch((err) => console.error(`riffle bench: could not delete ${name} on ${t.url}: ${err.message}`));
    },
  };
}

/** Opens a file in the desktop's browser (xdg-open, or open on macOS); says so when there is none. */
export function openInBrowser(file) {
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
  const child = spawn(opener, [file], { stdio: 'ignore', detached: true });
  child.once('error', () => console.log(`(no ${opener} here: open ${file} in a browser)`));
  child.unref();
}

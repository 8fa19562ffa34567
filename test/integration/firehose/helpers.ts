import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { credentials } from '../harness.js';

export const ROLE = 'arn:aws:iam::000000000000:role/firehose-role';
export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;

/** The SDK's Firehose client with its defaults (HTTP/1.1), aimed at Riffle. */
export function firehoseClient(port: number): FirehoseClient {
  return new FirehoseClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials, maxAttempts: 1 });
}

/** Every object under <dir>/<bucket>/, key → bytes (temporary and metadata names left out). */
export function objectsIn(dir: string, bucket: string): Map<string, Buffer> {
  const root = join(dir, bucket);
  const out = new Map<string, Buffer>();
  if (!existsSync(root)) return out;
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      if (name.startsWith('.riffle-')) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(root, p), readFileSync(p));
    }
  };
  walk(root);
  return out;
}

/** Waits (bounded) until `check` returns a value, polling every 20 ms. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

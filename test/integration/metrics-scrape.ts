import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';

const PARSER = fileURLToPath(new URL('./prom_parse.py', import.meta.url));

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface PromFamily {
  name: string;
  type: string;
  samples: PromSample[];
}

/** The text through prometheus_client's parser (prom_parse.py); rejects with its error if it refuses the text. */
export function parseProm(python: string, text: string): Promise<PromFamily[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [PARSER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as PromFamily[]) : reject(new Error(`prometheus_client refused the text (exit ${code}): ${err}`))));
    child.stdin.end(text);
  });
}

/** GET /metrics on `port`, parsed: every sample by name. */
export async function scrape(python: string, port: number): Promise<Scraped> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${await res.text()}`);
  const contentType = res.headers.get('content-type') ?? '';
  return new Scraped(await parseProm(python, await res.text()), contentType);
}

export class Scraped {
  constructor(
    readonly families: PromFamily[],
    readonly contentType: string,
  ) {}

  samples(name: string): PromSample[] {
    return this.families.flatMap((f) => f.samples.filter((s) => s.name === name));
  }

  /** The value of the sample with exactly these labels, or undefined when there is none. */
  value(name: string, labels: Record<string, string>): number | undefined {
    const want = Object.entries(labels).sort();
    const hit = this.samples(name).find((s) => JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(want));
    return hit?.value;
  }

  /** The samples of `name` for the stream that carry a shard_id label. */
  shardSeries(name: string, stream: string): PromSample[] {
    return this.samples(name).filter((s) => s.labels.stream_name === stream && s.labels.shard_id !== undefined);
  }

  type(family: string): string | undefined {
    return this.families.find((f) => f.name === family)?.type;
  }
}

/** A request by node:http, which (unlike fetch) sends any Host header it is given. */
export function httpRequest(port: number, req: { method: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers: req.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    r.once('error', reject);
    r.end(req.body);
  });
}

/** Scrapes until `ready` holds (bounded): for counts that follow an asynchronous step (a delivery). */
export async function scrapeUntil(python: string, port: number, ready: (m: Scraped) => boolean, timeoutMs = 10_000): Promise<Scraped> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await scrape(python, port);
    if (ready(m) || Date.now() > deadline) return m;
    await new Promise((r) => setTimeout(r, 50));
  }
}

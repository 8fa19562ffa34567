import http from 'node:http';
import https from 'node:https';
import { RESPONSE_BODY_BYTES_MAX, RESPONSE_TIMEOUT_MS, type EndpointRequest, type EndpointResponse } from './protocol.js';

/**
 * POSTs Firehose's HTTP endpoint requests to one URL (http:// or https://: AWS takes only https, a
 * local receiver is mostly plain HTTP), over keep-alive connections, one request at a time per
 * delivery stream (delivery is in order). Redirects are not followed (AWS: "Redirects are not
 * followed"); an answer must come within the timeout (AWS: 3 minutes); at most
 * RESPONSE_BODY_BYTES_MAX of its body is read.
 */
export class EndpointPoster {
  private readonly url: URL;
  private readonly agent: http.Agent;

  constructor(
    url: string,
    private readonly timeoutMs = RESPONSE_TIMEOUT_MS,
  ) {
    this.url = new URL(url);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') throw new RangeError(`an HTTP endpoint URL is http:// or https://, not ${this.url.protocol}`);
    this.agent = this.url.protocol === 'https:' ? new https.Agent({ keepAlive: true, maxSockets: 1 }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  /** The answer, or a rejection for no answer (refused, reset, timed out): both are a failed attempt to the caller. */
  post(req: EndpointRequest): Promise<EndpointResponse> {
    const lib = this.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const r = lib.request(
        this.url,
        { method: 'POST', agent: this.agent, headers: { ...req.headers, 'Content-Length': String(req.body.length) }, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let tooLarge = false;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > RESPONSE_BODY_BYTES_MAX) {
              tooLarge = true;
              res.destroy();
              return;
            }
            chunks.push(chunk);
          });
          const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: tooLarge ? null : Buffer.concat(chunks) });
          res.once('end', done);
          res.once('close', () => (tooLarge ? done() : undefined));
          res.once('error', (err) => (tooLarge ? done() : reject(err)));
        },
      );
      // A whole-request deadline, not only an idle one: the answer must come within the timeout.
      const deadline = setTimeout(() => r.destroy(new Error(`no answer within ${Math.round(this.timeoutMs / 1000)} s`)), this.timeoutMs);
      deadline.unref();
      r.once('timeout', () => r.destroy(new Error(`no answer within ${Math.round(this.timeoutMs / 1000)} s`)));
      r.once('error', (err) => {
        clearTimeout(deadline);
        reject(err);
      });
      r.once('close', () => clearTimeout(deadline));
      r.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

import type { AwsHttpRequest, AwsHttpResponse, PageHandler } from '../aws/http.js';
import type { Dashboard } from './dashboard.js';
import { dashboardFrame } from './dashboard-data.js';
import type { Health } from './health.js';
import type { Metrics } from './prometheus.js';

/** Every page gets these: nothing cached, nothing sniffed, never framed by another site. */
const COMMON = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } as const;
/** The dashboard loads only its own files and talks only to its own server. */
const PAGE_HEADERS = { ...COMMON, 'X-Frame-Options': 'DENY', 'Content-Security-Policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'" } as const;

/**
 * A SigV4-signed request is never a page: it is an AWS call (S3's GET on a bucket named "metrics"
 * goes to S3), and so is a request with S3's query parameters. Pages are GET and HEAD only.
 */
function isPageRequest(req: AwsHttpRequest): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (req.headers.authorization !== undefined) return false;
  // An unsigned S3 request (`aws --no-sign-request s3 ls s3://stats`: ListObjectsV2 with its
  // query) is S3's to answer; a page's own query (a cache buster, `?verbose=1`) is ignored.
  return !req.query.split('&').some((p) => S3_QUERY.has(p.split('=')[0]!.toLowerCase()) || /^x-amz-/i.test(p));
}

/** Query parameters S3's bucket and object requests carry. */
const S3_QUERY = new Set(['list-type', 'prefix', 'delimiter', 'max-keys', 'continuation-token', 'start-after', 'fetch-owner', 'encoding-type', 'marker', 'location', 'uploads', 'versioning', 'versions', 'acl', 'tagging', 'policy', 'cors', 'lifecycle', 'response-content-type', 'partnumber', 'uploadid']);

/**
 * GET /metrics, /health and /stats on both ports; the dashboard (/ and /dashboard/*) where `dashboard` is
 * given (the stream port, unless --no-dashboard). Everything else is not a page.
 */
export function pages(metrics: Metrics, health: Health, dashboard: Dashboard | null): PageHandler {
  const page = (req: AwsHttpRequest): Promise<AwsHttpResponse> | undefined => {
    if (!isPageRequest(req)) return undefined;
    if (req.path === '/metrics') {
      return metrics.text().then((text) => ({ status: 200, headers: { ...COMMON, 'Content-Type': metrics.contentType }, body: text }));
    }
    // The dashboard's frame as one JSON document: what `riffle stats` and `riffle streams` read.
    if (req.path === '/stats') {
      const frame = dashboardFrame(metrics.snapshot(), health.report().uptimeSeconds);
      return Promise.resolve({ status: 200, headers: { ...COMMON, 'Content-Type': 'application/json' }, body: JSON.stringify(frame) });
    }
    if (req.path === '/health') {
      const report = health.report();
      const response: AwsHttpResponse = { status: report.status === 'ok' ? 200 : 503, headers: { ...COMMON, 'Content-Type': 'application/json' }, body: JSON.stringify(report) };
      return Promise.resolve(response);
    }
    const asset = dashboard?.assets.get(req.path);
    if (asset === undefined) return undefined;
    return Promise.resolve({ status: 200, headers: { ...PAGE_HEADERS, 'Content-Type': asset.type }, body: asset.body });
  };
  // A page that fails (a bug, a resource the process has run out of) is a 500 for that request,
  // never a throw into the transport's handler.
  const failed = (err: unknown): AwsHttpResponse => {
    console.error('riffle: a page failed:', err);
    return { status: 500, headers: { ...COMMON, 'Content-Type': 'text/plain; charset=utf-8' }, body: 'The page failed; the server log says why.\n' };
  };
  return (req) => {
    try {
      return page(req)?.catch(failed);
    } catch (err) {
      return Promise.resolve(failed(err));
    }
  };
}

/**
 * Who may talk to an endpoint, and how much request body the endpoints hold at once: the checks a
 * local developer tool makes so that no web page can drive it, and a bound on memory that no set
 * of clients can pass.
 *
 * - Host: a request's Host (or :authority) must be a loopback name or address, the address the
 *   endpoint listens on, one of the machine's own addresses when it listens on all of them, or a
 *   name in `--allowed-hosts` (`*` turns the check off). A page on another name that resolves to
 *   127.0.0.1 (DNS rebinding) is refused.
 * - Origin: a request that carries one (browsers do; AWS clients do not) must come from the
 *   endpoint's own origin (Riffle's own pages) or from one named in `--allowed-origins` (`*`: any).
 *   Only then does an AWS answer carry CORS headers, for that origin; a WebSocket upgrade with any
 *   other Origin is refused.
 * - Bodies: every request body being received, on every connection of both endpoints, counts
 *   against one budget (REQUEST_BODIES_BYTES_MAX); a body that would pass it is refused with a
 *   retryable 503 ServiceUnavailable, counted apart from the 5xx that faults cause.
 */
import { networkInterfaces } from 'node:os';
import { AwsError } from '../aws/errors.js';
import type { AwsHttpRequest, AwsHttpResponse } from '../aws/http.js';

/** The bytes of request bodies all endpoints together hold while receiving them. */
export const REQUEST_BODIES_BYTES_MAX = 256 * 1024 * 1024;

export class BodyBudget {
  private used = 0;
  /** Bodies refused because the budget was spent: load, not faults. */
  refused = 0;

  constructor(readonly maxBytes = REQUEST_BODIES_BYTES_MAX) {}

  /** Takes `n` bytes of the budget, or false (and nothing taken) when they are not there. */
  take(n: number): boolean {
    if (this.used + n > this.maxBytes) return false;
    this.used += n;
    return true;
  }

  give(n: number): void {
    this.used = Math.max(0, this.used - n);
  }

  get inUse(): number {
    return this.used;
  }
}

/** The 503 a body gets when the budget is spent: retryable, and AWS-shaped. */
export function bodiesOverBudget(): AwsHttpResponse {
  const err = new AwsError('ServiceUnavailable', 'The server is receiving more request bodies than it buffers at once; retry the request.');
  return jsonError(err);
}

function jsonError(err: AwsError): AwsHttpResponse {
  return {
    status: err.httpStatus,
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-ErrorType': err.code },
    body: JSON.stringify(err.toWire()),
  };
}

export interface AdmissionOptions {
  /** Host names (or addresses) taken besides loopback and the endpoint's own; `*` takes any. */
  allowedHosts?: readonly string[];
  /** Origins (`scheme://host[:port]`) whose pages may call the endpoint; `*` takes any. */
  allowedOrigins?: readonly string[];
  /** Shared by the endpoints of one server. */
  budget?: BodyBudget;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export class Admission {
  readonly budget: BodyBudget;
  private readonly hosts: Set<string>;
  private readonly anyHost: boolean;
  private readonly origins: Set<string>;
  private readonly anyOrigin: boolean;

  constructor(listenHost: string, options: AdmissionOptions = {}) {
    this.budget = options.budget ?? new BodyBudget();
    const allowed = (options.allowedHosts ?? []).map((h) => h.toLowerCase());
    this.anyHost = allowed.includes('*');
    this.hosts = new Set([...allowed, listenHost.toLowerCase()]);
    // Listening on every address: the machine's own addresses reach it too.
    if (listenHost === '0.0.0.0' || listenHost === '::' || listenHost === '') {
      for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) this.hosts.add(a.address.toLowerCase());
    }
    const origins = (options.allowedOrigins ?? []).map((o) => o.toLowerCase().replace(/\/+$/, ''));
    this.anyOrigin = origins.includes('*');
    this.origins = new Set(origins);
  }

  /** Whether a Host header (name or address, with or without a port) names this endpoint. */
  hostAllowed(host: string | undefined): boolean {
    if (this.anyHost || host === undefined || host === '') return true; // no Host: not a browser
    const name = hostName(host);
    return LOOPBACK_NAMES.has(name) || name.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) || this.hosts.has(name);
  }

  /** Whether a request's Origin may call: none (not a browser), its own origin, or one allowed. */
  originAllowed(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    if (this.anyOrigin) return true;
    const o = origin.toLowerCase().replace(/\/+$/, '');
    if (this.origins.has(o)) return true;
    // Same origin: the page was served by this endpoint (http(s)://<its Host>).
    return host !== undefined && (o === `http://${host.toLowerCase()}` || o === `https://${host.toLowerCase()}`);
  }

  /** The answer to a request that may not be served here, or null. */
  refusal(req: AwsHttpRequest): AwsHttpResponse | null {
    const host = req.headers.host ?? req.headers[':authority'];
    if (!this.hostAllowed(host)) {
      return jsonError(new AwsError('AccessDeniedException', `Host ${JSON.stringify(host)} is not this server: it answers to loopback names, its listen address, and --allowed-hosts.`));
    }
    if (!this.originAllowed(req.headers.origin, host)) {
      return jsonError(new AwsError('AccessDeniedException', `Origin ${JSON.stringify(req.headers.origin)} may not call this server: name it in --allowed-origins.`));
    }
    return null;
  }
}

/** The name part of a Host header: `[::1]:4567` → `[::1]`, `localhost:4567` → `localhost`. */
function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.lastIndexOf(':');
  // One colon: name:port. More: a bare IPv6 address.
  return colon !== -1 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

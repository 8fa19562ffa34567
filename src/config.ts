import { availableParallelism } from 'node:os';

/** Per-shard limits, as AWS documents them for provisioned streams (Kinesis Data Streams quotas). */
export interface ShardLimits {
  writeBytesPerSec: number;
  writeRecordsPerSec: number;
  readBytesPerSec: number;
  readCallsPerSec: number;
}

export interface RiffleConfig {
  /** AWS endpoint: HTTP/1.1 and h2c on one port. */
  port: number;
  /** uWebSockets.js endpoint: the same API over HTTP/1.1, and the WebSocket routes. */
  streamPort: number;
  host: string;
  /** Host names answered besides loopback and the endpoints' own addresses, and browser origins that may call (comma-separated; `*`: any). */
  allowedHosts: string;
  allowedOrigins: string;
  /** Bytes of request bodies both endpoints hold at once while receiving them; past it, 503. */
  requestBodiesBytes: number;
  /** 'sigv4': every request's signature is verified against `credentials`; 'none': signatures are only required, not checked. */
  auth: 'none' | 'sigv4';
  /** A file of `ACCESS_KEY_ID SECRET_ACCESS_KEY` lines (for --auth sigv4). */
  credentials: string | null;
  /** PEM certificate (chain) and private key: both ports then serve TLS only (HTTPS with HTTP/2 by ALPN, and wss). */
  tlsCert: string | null;
  tlsKey: string | null;
  inMemory: boolean;
  /** Shard logs and the manifest live here; null: in memory (Riffle.start's default; the CLI: ./riffle-data). `inMemory` wins. */
  dataDir: string | null;
  /** Segment file descriptors the shard owners keep open at most, together (least recently used closed past it); at most half the process's descriptor limit. */
  openFiles: number;
  /** When durable acknowledgements are synced to disk (see shard/owner-init.ts FsyncMode). */
  fsync: 'always' | 'group' | 'never';
  /** A durable shard starts a new segment file past this many bytes (retention deletes whole files). */
  segmentBytes: number;
  /** ...or once the current file's first record is this old. */
  segmentMs: number;
  /** Bytes of each durable shard's newest records kept in memory to serve reads; older reads go to disk. */
  hotBytes: number;
  throttle: boolean;
  /** The live page at / on the stream port (off with --no-dashboard). */
  dashboard: boolean;
  /** Counting for /metrics, /stats and the dashboard (off with --no-metrics: the counters stay at zero). */
  metrics: boolean;
  createStreamMs: number;
  deleteStreamMs: number;
  updateStreamMs: number;
  workers: number;
  region: string;
  accountId: string;
  /** Open shards allowed across all streams (AWS's default account quota is 500 in most regions). */
  shardLimit: number;
  /** Registered consumers allowed per stream (AWS: 20). */
  consumerLimit: number;
  /** Enhanced fan-out: bytes per second pushed to each consumer from each shard (AWS: 2 MiB/s). */
  pushBytesPerSec: number;
  /** How long a SubscribeToShard session lasts before the client must subscribe again (AWS: 5 minutes). */
  subscriptionMs: number;
  /** Firehose objects go here as `<s3Dir>/<bucket>/<key>`, served by the S3 API; null: see resolveS3Dir. */
  s3Dir: string | null;
  /** Deliver to this S3-compatible endpoint (path-style, credentials from the usual AWS sources) instead of s3Dir. */
  s3Endpoint: string | null;
  /** The region signed for at s3Endpoint; null: AWS_REGION or the config file's, else us-east-1. */
  s3Region: string | null;
  /**
   * The local functions a Firehose Lambda processor may name: comma-separated `<function name>=<path
   * to a JS module exporting handler>` (the CLI's --lambda, repeatable). A LambdaArn's function
   * name picks the module; relative paths are from the working directory.
   */
  lambda: string;
  /** Dynamic partitioning: bytes buffered over all of a delivery stream's partitions at most (past it, the largest is delivered early). */
  partitionBuffersBytes: number;
  /** Per delivery stream, as AWS's default Firehose quotas (off with --no-throttle). */
  firehoseRecordsPerSec: number;
  firehoseCallsPerSec: number;
  firehoseBytesPerSec: number;
  /** On-demand scaling: a shard's writes averaged over this window above this % of its limit split it (AWS: 500 KB/s). */
  onDemandWindowMs: number;
  onDemandSplitPercent: number;
  limits: ShardLimits;
}

export const DEFAULT_LIMITS: ShardLimits = {
  writeBytesPerSec: 1024 * 1024,
  writeRecordsPerSec: 1000,
  readBytesPerSec: 2 * 1024 * 1024,
  readCallsPerSec: 5,
};

/** Shard-owner threads at most. */
const MAX_WORKERS = 64;

export function defaultConfig(): RiffleConfig {
  return {
    port: 4567,
    streamPort: 4568,
    host: '127.0.0.1',
    allowedHosts: '',
    allowedOrigins: '',
    requestBodiesBytes: 256 * 1024 * 1024,
    auth: 'none',
    credentials: null,
    tlsCert: null,
    tlsKey: null,
    inMemory: false,
    dataDir: null,
    openFiles: 4096,
    fsync: 'group',
    segmentBytes: 64 * 1024 * 1024,
    segmentMs: 3_600_000,
    hotBytes: 64 * 1024 * 1024,
    throttle: true,
    dashboard: true,
    metrics: true,
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    // One core for the main thread; at most MAX_WORKERS, the range --workers takes.
    workers: Math.min(MAX_WORKERS, Math.max(1, availableParallelism() - 1)),
    region: 'us-east-1',
    accountId: '000000000000',
    shardLimit: 500,
    consumerLimit: 20,
    pushBytesPerSec: 2 * 1024 * 1024,
    subscriptionMs: 300_000,
    s3Dir: null,
    s3Endpoint: null,
    s3Region: null,
    lambda: '',
    partitionBuffersBytes: 256 * 1024 * 1024,
    firehoseRecordsPerSec: 5000,
    firehoseCallsPerSec: 2000,
    firehoseBytesPerSec: 5 * 1024 * 1024,
    onDemandWindowMs: 60_000,
    onDemandSplitPercent: 50,
    limits: { ...DEFAULT_LIMITS },
  };
}

/** Bad configuration: names the option and what it accepts. The CLI exits with code 2. */
export class ConfigError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Kind = 'port' | 'ms' | 'count' | 'string' | 'list' | 'functions' | 'auth' | 'flag' | 'region' | 'account' | 'rate' | 'fsync' | 'bytes' | 'age' | 'url' | 'percent';

export interface OptionSpec {
  key: keyof RiffleConfig;
  /** For per-shard rates: which member of `limits` the option sets. */
  limit?: keyof ShardLimits;
  kind: Kind;
  env: string;
  help: string;
  /** For flags: the value the flag sets (`--no-throttle` sets throttle to false). */
  flagValue?: boolean;
  /** Riffle.start also takes null (dataDir: null keeps the data in memory); the CLI has no way to say it. */
  nullable?: boolean;
}

/**
 * Every option, by its CLI flag: the one place its kind (and so its range) is written. The CLI
 * converts a flag's or env var's string and then checks it; Riffle.start checks the typed value
 * under its RiffleConfig name (`limits.<member>` for the per-shard rates). Both use valid() below.
 */
export const OPTIONS: Record<string, OptionSpec> = {
  port: { key: 'port', kind: 'port', env: 'RIFFLE_PORT', help: 'AWS endpoint port (HTTP/1.1 + h2c)' },
  'stream-port': { key: 'streamPort', kind: 'port', env: 'RIFFLE_STREAM_PORT', help: 'uWebSockets.js port' },
  host: { key: 'host', kind: 'string', env: 'RIFFLE_HOST', help: 'address to listen on' },
  'allowed-hosts': { key: 'allowedHosts', kind: 'list', env: 'RIFFLE_ALLOWED_HOSTS', help: 'Host names answered besides loopback (comma-separated; * for any)' },
  'allowed-origins': { key: 'allowedOrigins', kind: 'list', env: 'RIFFLE_ALLOWED_ORIGINS', help: 'browser origins that may call (comma-separated; * for any)' },
  auth: { key: 'auth', kind: 'auth', env: 'RIFFLE_AUTH', help: 'none (signatures required, not checked) or sigv4 (verified against --credentials)' },
  credentials: { key: 'credentials', kind: 'string', env: 'RIFFLE_CREDENTIALS', help: 'file of ACCESS_KEY_ID SECRET_ACCESS_KEY lines, for --auth sigv4', nullable: true },
  'tls-cert': { key: 'tlsCert', kind: 'string', env: 'RIFFLE_TLS_CERT', help: 'PEM certificate file: both ports serve TLS (HTTPS, h2 by ALPN, wss)', nullable: true },
  'tls-key': { key: 'tlsKey', kind: 'string', env: 'RIFFLE_TLS_KEY', help: 'PEM private key file for --tls-cert', nullable: true },
  'request-bodies-bytes': { key: 'requestBodiesBytes', kind: 'bytes', env: 'RIFFLE_REQUEST_BODIES_BYTES', help: 'request bodies held at once, all connections (503 past it)' },
  'in-memory': { key: 'inMemory', kind: 'flag', flagValue: true, env: 'RIFFLE_IN_MEMORY', help: 'keep all data in memory' },
  'data-dir': { key: 'dataDir', kind: 'string', nullable: true, env: 'RIFFLE_DATA_DIR', help: 'keep streams and records on disk here (durable logs)' },
  'open-files': { key: 'openFiles', kind: 'count', env: 'RIFFLE_OPEN_FILES', help: 'segment files the shard owners keep open at most (4096; at most half the descriptor limit)' },
  fsync: { key: 'fsync', kind: 'fsync', env: 'RIFFLE_FSYNC', help: 'always | group | never: when acknowledged records reach disk' },
  'segment-bytes': { key: 'segmentBytes', kind: 'bytes', env: 'RIFFLE_SEGMENT_BYTES', help: 'segment file size before a new one starts (64 MiB)' },
  'segment-ms': { key: 'segmentMs', kind: 'age', env: 'RIFFLE_SEGMENT_MS', help: 'segment file age before a new one starts (1 hour)' },
  'hot-bytes': { key: 'hotBytes', kind: 'bytes', env: 'RIFFLE_HOT_BYTES', help: 'newest records per durable shard kept in memory for reads (64 MiB); older reads come from disk' },
  'no-throttle': { key: 'throttle', kind: 'flag', flagValue: false, env: 'RIFFLE_NO_THROTTLE', help: 'no per-shard limits' },
  'no-metrics': { key: 'metrics', kind: 'flag', flagValue: false, env: 'RIFFLE_NO_METRICS', help: 'count nothing for /metrics, /stats and the dashboard (their counters stay at zero): to measure what counting costs' },
  'no-dashboard': { key: 'dashboard', kind: 'flag', flagValue: false, env: 'RIFFLE_NO_DASHBOARD', help: 'no live page at / on the stream port (/metrics and /health stay)' },
  'create-stream-ms': { key: 'createStreamMs', kind: 'ms', env: 'RIFFLE_CREATE_STREAM_MS', help: 'CREATING → ACTIVE delay' },
  'delete-stream-ms': { key: 'deleteStreamMs', kind: 'ms', env: 'RIFFLE_DELETE_STREAM_MS', help: 'DELETING → gone delay' },
  'update-stream-ms': { key: 'updateStreamMs', kind: 'ms', env: 'RIFFLE_UPDATE_STREAM_MS', help: 'UPDATING → ACTIVE delay' },
  workers: { key: 'workers', kind: 'count', env: 'RIFFLE_WORKERS', help: 'shard-owner threads' },
  region: { key: 'region', kind: 'region', env: 'RIFFLE_REGION', help: 'region in ARNs' },
  'account-id': { key: 'accountId', kind: 'account', env: 'RIFFLE_ACCOUNT_ID', help: '12-digit account id in ARNs' },
  'shard-limit': { key: 'shardLimit', kind: 'count', env: 'RIFFLE_SHARD_LIMIT', help: 'open shards across all streams' },
  'consumer-limit': { key: 'consumerLimit', kind: 'count', env: 'RIFFLE_CONSUMER_LIMIT', help: 'registered consumers per stream (AWS: 20)' },
  'subscription-ms': { key: 'subscriptionMs', kind: 'age', env: 'RIFFLE_SUBSCRIPTION_MS', help: 'SubscribeToShard session length (AWS: 300000, 5 minutes)' },
  'push-bytes-per-sec': { key: 'pushBytesPerSec', kind: 'rate', env: 'RIFFLE_PUSH_BYTES_PER_SEC', help: 'enhanced fan-out bytes/s per consumer per shard (AWS: 2097152)' },
  's3-dir': { key: 's3Dir', kind: 'string', nullable: true, env: 'RIFFLE_S3_DIR', help: 'Firehose objects go here in the S3 layout (default <data-dir>/s3, or ./riffle-s3 in memory)' },
  's3-endpoint': { key: 's3Endpoint', kind: 'url', nullable: true, env: 'RIFFLE_S3_ENDPOINT', help: 'deliver Firehose objects to this S3-compatible endpoint instead (path-style)' },
  's3-region': { key: 's3Region', kind: 'region', nullable: true, env: 'RIFFLE_S3_REGION', help: 'region signed for at --s3-endpoint (default: AWS_REGION, the AWS config file, us-east-1)' },
  lambda: { key: 'lambda', kind: 'functions', env: 'RIFFLE_LAMBDA', help: 'a Firehose transform: <function name>=<path to a JS module exporting handler>, named by a Lambda processor\'s LambdaArn (repeatable; the env var takes a comma-separated list)' },
  'partition-buffers-bytes': { key: 'partitionBuffersBytes', kind: 'bytes', env: 'RIFFLE_PARTITION_BUFFERS_BYTES', help: 'dynamic partitioning: bytes buffered over all of a delivery stream\'s partitions (256 MiB); past it the largest partition is delivered early' },
  'firehose-records-per-sec': { key: 'firehoseRecordsPerSec', kind: 'rate', env: 'RIFFLE_FIREHOSE_RECORDS_PER_SEC', help: 'records/s per delivery stream (AWS: 5000)' },
  'firehose-calls-per-sec': { key: 'firehoseCallsPerSec', kind: 'rate', env: 'RIFFLE_FIREHOSE_CALLS_PER_SEC', help: 'PutRecord/PutRecordBatch calls/s per delivery stream (AWS: 2000)' },
  'firehose-bytes-per-sec': { key: 'firehoseBytesPerSec', kind: 'rate', env: 'RIFFLE_FIREHOSE_BYTES_PER_SEC', help: 'bytes/s per delivery stream (AWS: 5242880)' },
  'on-demand-window-ms': { key: 'onDemandWindowMs', kind: 'age', env: 'RIFFLE_ON_DEMAND_WINDOW_MS', help: 'on-demand scaling: window a shard\'s writes are averaged over' },
  'on-demand-split-percent': { key: 'onDemandSplitPercent', kind: 'percent', env: 'RIFFLE_ON_DEMAND_SPLIT_PERCENT', help: 'on-demand scaling: split a shard above this % of its write limit (AWS: 50)' },
  'write-bytes-per-sec': { key: 'limits', limit: 'writeBytesPerSec', kind: 'rate', env: 'RIFFLE_WRITE_BYTES_PER_SEC', help: 'per-shard write bytes/s (AWS: 1048576)' },
  'write-records-per-sec': { key: 'limits', limit: 'writeRecordsPerSec', kind: 'rate', env: 'RIFFLE_WRITE_RECORDS_PER_SEC', help: 'per-shard write records/s (AWS: 1000)' },
  'read-bytes-per-sec': { key: 'limits', limit: 'readBytesPerSec', kind: 'rate', env: 'RIFFLE_READ_BYTES_PER_SEC', help: 'per-shard GetRecords bytes/s (AWS: 2097152)' },
  'read-calls-per-sec': { key: 'limits', limit: 'readCallsPerSec', kind: 'rate', env: 'RIFFLE_READ_CALLS_PER_SEC', help: 'per-shard GetRecords calls/s (AWS: 5)' },
};

const MAX_MS = 3_600_000;
const FSYNC_MODES: readonly string[] = ['always', 'group', 'never'];

/** The spec of a CLI flag name; own entries only (`--constructor` is not an option). */
function specOf(name: string): OptionSpec | undefined {
  return Object.hasOwn(OPTIONS, name) ? OPTIONS[name] : undefined;
}

/** The whole numbers a numeric option accepts, [lowest, highest]; null for the other kinds. */
export function range(spec: OptionSpec): readonly [number, number] | null {
  switch (spec.kind) {
    case 'port':
      return [0, 65535];
    case 'ms':
      return [0, MAX_MS];
    case 'count':
      return [1, spec.key === 'workers' ? MAX_WORKERS : 1_000_000];
    case 'rate':
      return [1, 1_000_000_000];
    case 'bytes':
      return [4096, 1024 ** 3];
    case 'age':
      return [1000, 7 * 24 * 3_600_000];
    case 'percent':
      return [1, 100];
    default:
      return null;
  }
}

/** Whether a typed value is one the option takes: the check behind both the CLI and Riffle.start. */
function valid(spec: OptionSpec, value: unknown): boolean {
  const r = range(spec);
  if (r !== null) return typeof value === 'number' && Number.isInteger(value) && value >= r[0] && value <= r[1];
  if (spec.kind === 'flag') return typeof value === 'boolean';
  if (typeof value !== 'string') return false;
  if (spec.kind === 'region') return /^[a-z]{2}(-[a-z]+)+-\d+$/.test(value);
  if (spec.kind === 'account') return /^\d{12}$/.test(value);
  if (spec.kind === 'fsync') return FSYNC_MODES.includes(value);
  if (spec.kind === 'auth') return value === 'none' || value === 'sigv4';
  if (spec.kind === 'url') return /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(value);
  if (spec.kind === 'list') return /^([^\s,]+(,[^\s,]+)*)?$/.test(value); // comma-separated, or empty
  if (spec.kind === 'functions') return functionsOf(value) !== null;
  return value !== ''; // 'string'
}

/** What the option takes, for `--x: expected ...` (CLI) and `x (--x) must be ...` (Riffle.start). */
function accepts(spec: OptionSpec, embedded: boolean): string {
  const r = range(spec);
  if (r !== null) return `a whole number from ${r[0]} to ${r[1]}`;
  switch (spec.kind) {
    case 'flag':
      return 'true or false';
    case 'region':
      return embedded ? `a string naming a region, like us-east-1${spec.nullable === true ? ', or null' : ''}` : 'a region name like us-east-1';
    case 'account':
      return embedded ? 'a string of 12 digits' : '12 digits';
    case 'fsync':
      return embedded ? "'always', 'group' or 'never'" : 'always, group or never';
    case 'auth':
      return embedded ? "'none' or 'sigv4'" : 'none or sigv4';
    case 'url':
      return embedded ? `a string with an http:// or https:// URL${spec.nullable === true ? ' or null' : ''}` : 'an http:// or https:// URL';
    case 'list':
      return embedded ? 'a string of comma-separated names (or empty)' : 'comma-separated names';
    case 'functions':
      return embedded ? "a string of comma-separated <function name>=<module path> (names of 1 to 64 letters, digits, - or _, each once), or empty" : '<function name>=<module path> (a name of 1 to 64 letters, digits, - or _, given once)';
    default:
      return embedded ? `a non-empty string${spec.nullable === true ? ' or null' : ''}` : 'a non-empty value';
  }
}

const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The functions of a `lambda` value (`name=path,name=path`): name → module path, in order; null
 * when it is not that (a name Lambda would refuse, a missing path, a name given twice). Empty: none.
 */
export function functionsOf(value: string): Map<string, string> | null {
  const out = new Map<string, string>();
  if (value === '') return out;
  for (const entry of value.split(',')) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq);
    const path = entry.slice(eq + 1);
    if (eq === -1 || !FUNCTION_NAME.test(name) || path.trim() === '' || out.has(name)) return null;
    out.set(name, path);
  }
  return out;
}

/** A CLI string (flag or env var) → the typed value, checked. */
function convert(name: string, spec: OptionSpec, raw: string): unknown {
  let value: unknown = raw;
  if (range(spec) !== null) value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  else if (spec.kind === 'flag') {
    const lower = raw.toLowerCase();
    if (['1', 'true', 'yes', ''].includes(lower)) value = spec.flagValue;
    else if (['0', 'false', 'no'].includes(lower)) value = !spec.flagValue;
  }
  if (!valid(spec, value)) throw new ConfigError(name, `--${name}: expected ${accepts(spec, false)}, got '${raw}'`);
  return value;
}

/** Env vars, then flags (flags win): `--name value`, `--name=value`, bare `--flag`. ConfigError for an unknown option or a bad value. */
export function parseConfig(argv: readonly string[], env: Record<string, string | undefined> = process.env): RiffleConfig {
  const config = defaultConfig();
  const repeated = new Set<string>(); // repeatable flags given once already: the next adds to them
  const set = (name: string, raw: string, fromFlag = false): void => {
    const spec = specOf(name);
    if (spec === undefined) throw new ConfigError(name, `unknown option --${name} (try --help)`);
    if (spec.kind === 'functions' && fromFlag) {
      // --lambda is repeatable: each flag adds its functions; the flags replace the env var's list.
      convert(name, spec, raw);
      const before = repeated.has(name) ? (config[spec.key] as string) : '';
      repeated.add(name);
      if (before !== '' && raw !== '') {
        raw = `${before},${raw}`;
        if (functionsOf(raw) === null) throw new ConfigError(name, `--${name}: a function is given twice in '${raw}'`);
      } else if (raw === '') raw = before;
    }
    const value = convert(name, spec, raw);
    if (spec.limit !== undefined) config.limits[spec.limit] = value as number;
    else (config as unknown as Record<string, unknown>)[spec.key] = value;
  };
  for (const [name, spec] of Object.entries(OPTIONS)) {
    const raw = env[spec.env];
    if (raw !== undefined) set(name, raw);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new ConfigError(arg, `unexpected argument '${arg}' (options start with --)`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const spec = specOf(name);
    if (spec === undefined) throw new ConfigError(name, `unknown option --${name} (try --help)`);
    if (eq !== -1) set(name, arg.slice(eq + 1), true);
    else if (spec.kind === 'flag') set(name, '', true);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new ConfigError(name, `--${name} needs a value`);
      set(name, next, true);
      i++;
    }
  }
  return config;
}

/** Riffle.start's name for each option (`limits.writeBytesPerSec` for a per-shard rate) → its flag and spec. */
const EMBEDDED = new Map(Object.entries(OPTIONS).map(([flag, spec]) => [spec.limit === undefined ? spec.key : `limits.${spec.limit}`, { flag, spec }]));
const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS);
const SEE_README =
  "the options are the flags in README.md's Options table, camelCased (--stream-port is streamPort, --no-throttle is throttle: false), with the per-shard rates in limits";

/** A value as a message shows it: strings quoted, objects by what they are. */
const show = (v: unknown): string =>
  typeof v === 'string' ? `'${v}'` : typeof v === 'bigint' ? `${v}n` : Array.isArray(v) ? 'an array' : typeof v === 'object' && v !== null ? 'an object' : typeof v === 'function' ? 'a function' : String(v);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const squash = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');

function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length] as number;
}

/** The option someone writing `name` most likely meant: a near spelling, a CLI flag, or a rate outside limits. */
function nearest(name: string, inLimits: boolean): string | null {
  const aliases: Array<[alias: string, meant: string]> = inLimits ? [] : [['limits', 'limits']];
  for (const [embedded, { flag, spec }] of EMBEDDED) {
    if (inLimits && spec.limit === undefined) continue;
    aliases.push([spec.limit ?? embedded, embedded], [flag, spec.flagValue === false ? `${embedded}: false` : embedded]);
  }
  let best: string | null = null;
  let bestDistance = 3; // more than two edits away is not an obvious slip
  let tied = false; // two options equally near: neither is obvious
  for (const [alias, meant] of aliases) {
    const [a, b] = [squash(name), squash(alias)];
    const prefix = a !== b && Math.min(a.length, b.length) >= 6 && (a.startsWith(b) || b.startsWith(a)); // writeBytes, readCallsPerSecond
    const d = prefix ? 1 : distance(a, b);
    if (d < bestDistance) [best, bestDistance, tied] = [meant, d, false];
    else if (d === bestDistance && meant !== best) tied = true;
  }
  return tied ? null : best;
}

function checkValue(name: string, value: unknown): unknown {
  const rule = EMBEDDED.get(name) as { flag: string; spec: OptionSpec };
  const ok = valid(rule.spec, value) || (value === null && rule.spec.nullable === true);
  if (!ok) throw new ConfigError(name, `Riffle.start: ${name} (--${rule.flag}) must be ${accepts(rule.spec, true)}, got ${show(value)}`);
  return value;
}

function unknownOption(name: string, inLimits: boolean): ConfigError {
  const meant = nearest(name, inLimits);
  const hint = meant === null ? '' : ` (did you mean ${meant}?)`;
  const full = inLimits ? `limits.${name}` : name;
  const rest = inLimits ? `limits takes ${LIMIT_NAMES.join(', ')}` : SEE_README;
  return new ConfigError(full, `Riffle.start: unknown option ${full}${hint}; ${rest}`);
}

/**
 * Riffle.start's options over defaultConfig(), each checked as the CLI checks the same value, by
 * its RiffleConfig name. An option given as undefined is left out (its default). Throws ConfigError
 * (its `option` is the RiffleConfig name, e.g. 'workers' or 'limits.readCallsPerSec').
 */
export function checkOptions(options: unknown = {}): RiffleConfig {
  if (!isRecord(options)) throw new ConfigError('options', `Riffle.start: options must be an object, got ${show(options)}`);
  const config = defaultConfig();
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (name === 'limits') {
      if (!isRecord(value)) throw new ConfigError('limits', `Riffle.start: limits must be an object with any of ${LIMIT_NAMES.join(', ')}, got ${show(value)}`);
      for (const [limit, rate] of Object.entries(value)) {
        if (!Object.hasOwn(DEFAULT_LIMITS, limit)) throw unknownOption(limit, true);
        if (rate !== undefined) config.limits[limit as keyof ShardLimits] = checkValue(`limits.${limit}`, rate) as number;
      }
    } else if (EMBEDDED.has(name) && !name.startsWith('limits.')) {
      (config as unknown as Record<string, unknown>)[name] = checkValue(name, value);
    } else throw unknownOption(name, false);
  }
  return config;
}

/** Where Firehose objects go in the S3 layout when no S3 endpoint is set (see RiffleConfig.s3Dir). */
export function resolveS3Dir(config: RiffleConfig): string {
  if (config.s3Dir !== null) return config.s3Dir;
  return config.dataDir !== null && !config.inMemory ? `${config.dataDir.replace(/\/+$/, '')}/s3` : 'riffle-s3';
}

export function usage(): string {
  const lines = Object.entries(OPTIONS).map(([name, spec]) => {
    const flag = spec.kind === 'flag' ? `--${name}` : `--${name} <${spec.kind === 'ms' || spec.kind === 'age' ? 'ms' : 'value'}>`;
    return `  ${flag.padEnd(34)} ${spec.help} (env ${spec.env})`;
  });
  return [
    'usage: riffle [command] [options]',
    '',
    'commands:',
    '  serve     serve the AWS API on --port and the uWebSockets.js endpoint on --stream-port; the default:',
    '            a bare riffle, with no command, serves (riffle [options] is riffle serve [options])',
    '  streams   list the streams, with their rates (riffle streams --help)',
    '  describe  one stream: shards, lineage, consumers (riffle describe <stream>)',
    '  put       put the lines of standard input as records (riffle put <stream> < lines)',
    '  tail      print the records of every shard as they arrive (riffle tail <stream>)',
    '  load      an open-loop load generator (riffle load <stream> --rate N --seconds S)',
    '  stats     a live, top-like view of a Riffle server in the terminal',
    '            (each takes --endpoint URL: Riffle by default, any Kinesis endpoint, "aws" for AWS itself)',
    '  bench     run the end-to-end PutRecords benchmark (riffle bench --help lists its options);',
    '            riffle bench firehose: the Firehose delivery benchmark (riffle bench firehose --help)',
    '  help      print this help (also riffle --help, riffle -h)',
    '  version   print the version (also riffle --version)',
    '',
    'serve options (each can also be set by its env var; flags win):',
    ...lines,
  ].join('\n');
}

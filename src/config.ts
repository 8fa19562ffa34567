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
  inMemory: boolean;
  /**
   * Durable shard logs and the stream manifest live here (issue 4, in progress: opt-in for now).
   * null: data in memory. `inMemory` wins over it.
   */
  dataDir: string | null;
  /** When durable acknowledgements are synced to disk (see shard/shard-state.ts FsyncMode). */
  fsync: 'always' | 'group' | 'never';
  /** A durable shard starts a new segment file past this many bytes (retention deletes whole files). */
  segmentBytes: number;
  /** ...or once the current file's first record is this old. */
  segmentMs: number;
  /** Bytes of each durable shard's newest records kept in memory to serve reads; older reads go to disk. */
  hotBytes: number;
  throttle: boolean;
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
  limits: ShardLimits;
}

export const DEFAULT_LIMITS: ShardLimits = {
  writeBytesPerSec: 1024 * 1024,
  writeRecordsPerSec: 1000,
  readBytesPerSec: 2 * 1024 * 1024,
  readCallsPerSec: 5,
};

export function defaultConfig(): RiffleConfig {
  return {
    port: 4567,
    streamPort: 4568,
    host: '127.0.0.1',
    inMemory: false,
    dataDir: null,
    fsync: 'group',
    segmentBytes: 64 * 1024 * 1024,
    segmentMs: 3_600_000,
    hotBytes: 64 * 1024 * 1024,
    throttle: true,
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    workers: Math.max(1, availableParallelism() - 1),
    region: 'us-east-1',
    accountId: '000000000000',
    shardLimit: 500,
    consumerLimit: 20,
    pushBytesPerSec: 2 * 1024 * 1024,
    subscriptionMs: 300_000,
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

type Kind = 'port' | 'ms' | 'count' | 'string' | 'flag' | 'region' | 'account' | 'rate' | 'fsync' | 'bytes' | 'age';

interface OptionSpec {
  key: keyof RiffleConfig;
  /** For per-shard rates: which member of `limits` the option sets. */
  limit?: keyof ShardLimits;
  kind: Kind;
  env: string;
  help: string;
  /** For flags: the value the flag sets (`--no-throttle` sets throttle to false). */
  flagValue?: boolean;
}

export const OPTIONS: Record<string, OptionSpec> = {
  port: { key: 'port', kind: 'port', env: 'RIFFLE_PORT', help: 'AWS endpoint port (HTTP/1.1 + h2c)' },
  'stream-port': { key: 'streamPort', kind: 'port', env: 'RIFFLE_STREAM_PORT', help: 'uWebSockets.js port' },
  host: { key: 'host', kind: 'string', env: 'RIFFLE_HOST', help: 'address to listen on' },
  'in-memory': { key: 'inMemory', kind: 'flag', flagValue: true, env: 'RIFFLE_IN_MEMORY', help: 'keep all data in memory' },
  'data-dir': { key: 'dataDir', kind: 'string', env: 'RIFFLE_DATA_DIR', help: 'keep streams and records on disk here (durable logs)' },
  fsync: { key: 'fsync', kind: 'fsync', env: 'RIFFLE_FSYNC', help: 'always | group | never: when acknowledged records reach disk' },
  'segment-bytes': { key: 'segmentBytes', kind: 'bytes', env: 'RIFFLE_SEGMENT_BYTES', help: 'segment file size before a new one starts (64 MiB)' },
  'segment-ms': { key: 'segmentMs', kind: 'age', env: 'RIFFLE_SEGMENT_MS', help: 'segment file age before a new one starts (1 hour)' },
  'hot-bytes': { key: 'hotBytes', kind: 'bytes', env: 'RIFFLE_HOT_BYTES', help: 'newest records per durable shard kept in memory for reads (64 MiB); older reads come from disk' },
  'no-throttle': { key: 'throttle', kind: 'flag', flagValue: false, env: 'RIFFLE_NO_THROTTLE', help: 'no per-shard limits' },
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
  'write-bytes-per-sec': { key: 'limits', limit: 'writeBytesPerSec', kind: 'rate', env: 'RIFFLE_WRITE_BYTES_PER_SEC', help: 'per-shard write bytes/s (AWS: 1048576)' },
  'write-records-per-sec': { key: 'limits', limit: 'writeRecordsPerSec', kind: 'rate', env: 'RIFFLE_WRITE_RECORDS_PER_SEC', help: 'per-shard write records/s (AWS: 1000)' },
  'read-bytes-per-sec': { key: 'limits', limit: 'readBytesPerSec', kind: 'rate', env: 'RIFFLE_READ_BYTES_PER_SEC', help: 'per-shard GetRecords bytes/s (AWS: 2097152)' },
  'read-calls-per-sec': { key: 'limits', limit: 'readCallsPerSec', kind: 'rate', env: 'RIFFLE_READ_CALLS_PER_SEC', help: 'per-shard GetRecords calls/s (AWS: 5)' },
};

const MAX_MS = 3_600_000;
const MAX_WORKERS = 64;

function convert(name: string, spec: OptionSpec, raw: string): unknown {
  const bad = (what: string): never => {
    throw new ConfigError(name, `--${name}: ${what}, got '${raw}'`);
  };
  const int = (lo: number, hi: number): number => {
    if (!/^\d+$/.test(raw)) bad(`expected a whole number from ${lo} to ${hi}`);
    const n = Number(raw);
    if (n < lo || n > hi) bad(`expected a whole number from ${lo} to ${hi}`);
    return n;
  };
  switch (spec.kind) {
    case 'port':
      return int(0, 65535);
    case 'ms':
      return int(0, MAX_MS);
    case 'count':
      return int(1, spec.key === 'workers' ? MAX_WORKERS : 1_000_000);
    case 'rate':
      return int(1, 1_000_000_000);
    case 'string':
      if (raw === '') bad('expected a non-empty value');
      return raw;
    case 'region':
      if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(raw)) bad('expected a region name like us-east-1');
      return raw;
    case 'account':
      if (!/^\d{12}$/.test(raw)) bad('expected 12 digits');
      return raw;
    case 'bytes':
      return int(4096, 1024 ** 3);
    case 'age':
      return int(1000, 7 * 24 * 3_600_000);
    case 'fsync':
      if (!['always', 'group', 'never'].includes(raw)) bad('expected always, group or never');
      return raw;
    case 'flag':
      if (['1', 'true', 'yes', ''].includes(raw.toLowerCase())) return spec.flagValue;
      if (['0', 'false', 'no'].includes(raw.toLowerCase())) return !spec.flagValue;
      return bad('expected true or false');
  }
}

/**
 * Options come from env vars first, then flags (flags win). `--name value`, `--name=value`, and bare
 * `--flag` are accepted. Throws ConfigError for an unknown option or a bad value.
 */
export function parseConfig(argv: readonly string[], env: Record<string, string | undefined> = process.env): RiffleConfig {
  const config = defaultConfig();
  const set = (name: string, raw: string): void => {
    const spec = OPTIONS[name];
    if (spec === undefined) throw new ConfigError(name, `unknown option --${name} (try --help)`);
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
    const spec = OPTIONS[name];
    if (spec === undefined) throw new ConfigError(name, `unknown option --${name} (try --help)`);
    if (eq !== -1) set(name, arg.slice(eq + 1));
    else if (spec.kind === 'flag') set(name, '');
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new ConfigError(name, `--${name} needs a value`);
      set(name, next);
      i++;
    }
  }
  return config;
}

export function usage(): string {
  const lines = Object.entries(OPTIONS).map(([name, spec]) => {
    const flag = spec.kind === 'flag' ? `--${name}` : `--${name} <${spec.kind === 'ms' ? 'ms' : 'value'}>`;
    return `  ${flag.padEnd(34)} ${spec.help} (env ${spec.env})`;
  });
  return [
    'usage: riffle serve [options]',
    '       riffle bench [--seconds 5] [--concurrency 8] [--batch 500] [--bytes 100] [--shards 4] [--out file.json] [--only text]',
    '',
    'serve options:',
    ...lines,
  ].join('\n');
}

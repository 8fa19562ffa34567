/**
 * Riffle's public API. `Riffle.start()` runs the engine in this process without sockets; the same
 * operations are reachable typed (`riffle.kinesis.putRecords(...)`) or by AWS name
 * (`riffle.call('PutRecords', {...})`), with the same validation and errors as the HTTP endpoint.
 * `listen()` adds the network front ends.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { createSecureContext } from 'node:tls';
import { checkOptions, ConfigError, functionsOf, resolveS3Dir, type RiffleConfig } from './config.js';
import { parseCredentialsFile } from './aws/sigv4.js';
import { Engine } from './engine/engine.js';
import { KinesisService } from './kinesis/service.js';
import { kinesisClient, type KinesisApi } from './kinesis/client-api.js';
import { Admission, BodyBudget } from './server/admission.js';
import { startAwsEndpoint } from './server/aws-endpoint.js';
import { startUwsEndpoint } from './server/uws-adapter.js';
import { ingestRoute } from './kinesis/ws/ingest-route.js';
import { pushRoute } from './kinesis/ws/push-route.js';
import { Firehose } from './firehose/firehose.js';
import { FirehoseService } from './firehose/service.js';
import { firehoseClient, type FirehoseApi } from './firehose/client-api.js';
import { DirSink } from './firehose/sinks/dir-sink.js';
import { S3Sink } from './firehose/sinks/s3-sink.js';
import type { ObjectSink } from './firehose/sinks/sink.js';
import { S3Service } from './s3/service.js';
import { Metrics } from './observe/prometheus.js';
import { Health } from './observe/health.js';
import { Dashboard } from './observe/dashboard.js';
import { pages } from './observe/pages.js';

export { AwsError, AWS_ERRORS, type AwsErrorCode } from './aws/errors.js';
/** The name AwsError had while Riffle served only Kinesis; the same class. */
export { AwsError as KinesisError } from './aws/errors.js';
export { ConfigError, parseConfig, defaultConfig, type RiffleConfig, type ShardLimits } from './config.js';
export type * from './kinesis/client-api.js';
export type * from './firehose/client-api.js';
export { Producer, ProducerError, type ProducerOptions, type Stored } from './client/producer.js';
export type { AwsCredentials } from './client/sigv4-signer.js';

export type RiffleOptions = Partial<Omit<RiffleConfig, 'limits'>> & { limits?: Partial<RiffleConfig['limits']> };

export interface Listening {
  port: number;
  streamPort: number;
}

export class Riffle {
  /** Typed Kinesis operations (AWS names in camelCase, AWS wire shapes in and out). */
  readonly kinesis: KinesisApi;
  /** Typed Firehose operations, the same way. */
  readonly firehose: FirehoseApi;
  private endpoints: Array<{ close(): Promise<void> }> = [];
  /** The metrics /metrics exports, also read in process (`riffle.metrics.text()`). */
  readonly metrics: Metrics;

  private constructor(
    readonly config: RiffleConfig,
    readonly engine: Engine,
    private readonly service: KinesisService,
    /** The Firehose service's state: delivery streams and their delivery (tests wait on `delivery.idle()`). */
    readonly delivery: Firehose,
    private readonly firehoseService: FirehoseService,
  ) {
    this.kinesis = kinesisClient((op, input) => this.service.call(op, input));
    this.firehose = firehoseClient((op, input) => this.firehoseService.call(op, input));
    this.metrics = new Metrics(engine, delivery);
  }

  /** Options over defaultConfig() (data in memory unless `dataDir` names a directory), each checked as
   * the CLI checks it; an unknown name or a bad value throws ConfigError before anything starts. */
  static async start(options: RiffleOptions = {}): Promise<Riffle> {
    const config = checkOptions(options);
    const functions = registeredFunctions(config);
    const engine = await Engine.start(config);
    let firehose: Firehose;
    try {
      firehose = await Firehose.start(engine, { sink: objectSink(config), compressThreads: compressThreads(), functions });
    } catch (err) {
      await engine.close();
      throw err;
    }
    engine.onClose.push(() => void firehose.close());
    return new Riffle(config, engine, new KinesisService(engine), firehose, new FirehoseService(firehose));
  }

  /**
   * Calls an operation by its AWS name with a wire-shaped input (as decoded from JSON or CBOR):
   * a Kinesis operation, or with `service` 'Firehose_20150804' a Firehose one.
   */
  call(operation: string, input: Record<string, unknown> = {}, service: string = this.service.targetPrefix): Promise<Record<string, unknown>> {
    return (service === this.firehoseService.targetPrefix ? this.firehoseService : this.service).call(operation, input);
  }

  /** Starts the AWS endpoint (HTTP/1.1 + h2c) and the uWebSockets.js endpoint (same API, plus
   * binary WebSocket ingest at /ingest). */
  async listen(): Promise<Listening> {
    const services = [this.service, this.firehoseService];
    // The read-only S3 API over the directory Firehose delivers to (requests signed for 's3').
    const restServices = [new S3Service(resolveS3Dir(this.config))];
    // One admission for both endpoints: the same Host and Origin rules, one budget for request bodies.
    const list = (v: string): string[] => v.split(',').map((x) => x.trim()).filter((x) => x !== '');
    const admission = new Admission(this.config.host, {
      allowedHosts: list(this.config.allowedHosts),
      allowedOrigins: list(this.config.allowedOrigins),
      budget: new BodyBudget(this.config.requestBodiesBytes),
    });
    const secrets = loadSecrets(this.config);
    const tls = checkTls(this.config);
    // /metrics and /health on both ports; the dashboard on the stream port.
    const health = new Health(this.config, this.engine, this.delivery);
    const dashboard = this.config.dashboard ? new Dashboard(this.metrics) : null;
    const aws = await startAwsEndpoint({ host: this.config.host, port: this.config.port, services, restServices, admission, secrets, tls, pages: pages(this.metrics, health, null) });
    this.endpoints.push(aws);
    const ws = [ingestRoute(this.engine), pushRoute(this.engine), ...(dashboard === null ? [] : [dashboard.route()])];
    const uws = await startUwsEndpoint({ host: this.config.host, port: this.config.streamPort, services, restServices, admission, secrets, tls, ws, pages: pages(this.metrics, health, dashboard) });
    this.endpoints.push(uws);
    if (dashboard !== null) this.endpoints.push({ close: () => Promise.resolve(dashboard.stop()) });
    return { port: aws.port, streamPort: uws.port };
  }

  async close(): Promise<void> {
    const endpoints = this.endpoints;
    this.endpoints = [];
    await Promise.all(endpoints.map((e) => e.close()));
    await this.delivery.close();
    await this.engine.close();
  }
}

/** Where Firehose objects go: --s3-endpoint, else a directory in the S3 layout. */
function objectSink(config: RiffleConfig): ObjectSink {
  if (config.s3Endpoint !== null) return new S3Sink({ endpoint: config.s3Endpoint, region: config.s3Region ?? undefined });
  return new DirSink(resolveS3Dir(config));
}

/**
 * The --lambda functions, by name, with their modules' absolute paths (relative ones are from the
 * working directory). A module that is not a file is refused here (ConfigError), before anything
 * is served; one that fails to load fails its invocations, as a Lambda whose code does not load.
 */
function registeredFunctions(config: RiffleConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, path] of functionsOf(config.lambda) ?? []) {
    const full = resolve(path);
    let file = false;
    try {
      file = statSync(full).isFile();
    } catch {
      file = false;
    }
    if (!file) throw new ConfigError('lambda', `--lambda ${name}=${path}: ${full} is not a file (a JS module exporting handler)`);
    out.set(name, full);
  }
  return out;
}

/** Compression threads: half the cores (the shard owners and the main thread need the rest), at least one. */
function compressThreads(): number {
  return Math.max(1, Math.min(8, Math.floor(availableParallelism() / 2)));
}

/** --tls-cert and --tls-key: both or neither, readable, and a key that matches the certificate (ConfigError otherwise). */
function checkTls(config: RiffleConfig): { certFile: string; keyFile: string } | null {
  const { tlsCert, tlsKey } = config;
  if (tlsCert === null && tlsKey === null) return null;
  if (tlsCert === null || tlsKey === null) throw new ConfigError(tlsCert === null ? 'tls-cert' : 'tls-key', '--tls-cert and --tls-key go together');
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = readFileSync(tlsCert);
    key = readFileSync(tlsKey);
  } catch (err) {
    throw new ConfigError('tls-cert', `--tls-cert/--tls-key: ${(err as Error).message}`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new ConfigError('tls-key', `--tls-cert ${tlsCert} / --tls-key ${tlsKey}: ${(err as Error).message}`);
  }
  return { certFile: tlsCert, keyFile: tlsKey };
}

/** --auth sigv4: the access keys of --credentials (ConfigError naming what is wrong); --auth none: null. */
function loadSecrets(config: RiffleConfig): Map<string, string> | null {
  if (config.auth === 'none') return null;
  if (config.credentials === null) throw new ConfigError('credentials', '--auth sigv4 needs --credentials FILE (lines of ACCESS_KEY_ID SECRET_ACCESS_KEY)');
  try {
    return parseCredentialsFile(readFileSync(config.credentials, 'utf8'));
  } catch (err) {
    throw new ConfigError('credentials', `--credentials ${config.credentials}: ${(err as Error).message}`);
  }
}

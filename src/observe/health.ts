import { readFileSync } from 'node:fs';
import type { RiffleConfig } from '../config.js';
import type { Engine } from '../engine/engine.js';
import type { Firehose } from '../firehose/firehose.js';

/** The package's version, from package.json at the package root (dist/observe/ → ../../). */
export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface HealthReport {
  /** ok: every shard owner serves; degraded: one is being replaced or cannot write its logs (HTTP 503). */
  status: 'ok' | 'degraded';
  version: string;
  uptimeSeconds: number;
  startedAt: string;
  storage: { mode: 'memory' | 'durable'; fsync: string | null };
  services: Record<string, 'running'>;
  owners: { total: number; up: number; holding: number };
  streams: number;
  deliveryStreams: number;
}

/**
 * GET /health: what a load balancer or a test waiting for Riffle asks (LocalStack's
 * /_localstack/health answers the same question). No paths or OS text: it is unsigned.
 */
export class Health {
  private readonly startedMs = Date.now();

  constructor(
    private readonly config: RiffleConfig,
    private readonly engine: Engine,
    private readonly firehose: Firehose,
  ) {}

  report(): HealthReport {
    const engine = this.engine;
    let up = 0;
    let holding = 0;
    for (let i = 0; i < engine.owners; i++) {
      const stats = engine.ownerStats(i);
      if (!stats.down) up++;
      if (stats.holding) holding++;
    }
    const durable = !this.config.inMemory && this.config.dataDir !== null;
    return {
      status: up === engine.owners && holding === 0 ? 'ok' : 'degraded',
      version: VERSION,
      uptimeSeconds: Math.round((Date.now() - this.startedMs) / 100) / 10,
      startedAt: new Date(this.startedMs).toISOString(),
      storage: { mode: durable ? 'durable' : 'memory', fsync: durable ? this.config.fsync : null },
      services: { kinesis: 'running', firehose: 'running', s3: 'running' },
      owners: { total: engine.owners, up, holding },
      streams: engine.streams.list().length,
      deliveryStreams: [...this.firehose.streams.all()].length,
    };
  }
}

import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Engine } from '../engine/engine.js';
import type { Firehose } from '../firehose/firehose.js';
import { FAMILIES, type Family, type OwnerSample, type Snapshot } from './families.js';
import { KinesisView } from './kinesis-view.js';

/**
 * GET /metrics: the Prometheus text format, written by prom-client (its escaping, its layout) from
 * one snapshot of the engine per scrape, plus prom-client's process metrics (RSS, CPU, event loop
 * lag, GC, heap). Nothing is counted here: the counters live where the work is done (the shard
 * owners' tables, the operations' per-stream words) and are only read when asked.
 */
/**
 * prom-client's process metrics, once per process: collecting them installs a process-wide GC
 * observer and an event loop monitor that are never removed, which would keep every Riffle started
 * in the process (tests, embedders) alive through its registry.
 */
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    // process_resident_memory_bytes, nodejs_eventloop_lag_*, GC, heap...
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 10 });
  }
  return processRegistry;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly kinesis: KinesisView;
  private current: Snapshot | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly firehose: Firehose,
  ) {
    this.kinesis = new KinesisView(engine);
    processMetrics();
    for (const family of FAMILIES) this.registry.registerMetric(this.metricOf(family) as never);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Reads everything once (the dashboard calls it too, every second). */
  snapshot(): Snapshot {
    const engine = this.engine;
    const owners: OwnerSample[] = [];
    for (let i = 0; i < engine.owners; i++) {
      const stats = engine.ownerStats(i);
      const counters = stats.metrics.owner();
      owners.push({
        index: i,
        up: !stats.down,
        holding: stats.holding,
        requestRingBytes: stats.requestRingBytes,
        requestRingCapacity: stats.requestRingCapacity,
        replyRingBytes: stats.replyRingBytes,
        replyRingCapacity: stats.replyRingCapacity,
        commits: counters.commits,
        syncs: counters.syncs,
        syncSeconds: counters.syncSeconds,
        syncBuckets: counters.syncBuckets,
      });
    }
    return { nowMs: engine.clock.now(), streams: this.kinesis.streams(), deliveryStreams: this.firehose.observe(), owners, ops: engine.ops };
  }

  /** The exposition text. The families read `current` synchronously inside registry.metrics(). */
  async text(): Promise<string> {
    this.current = this.snapshot();
    let ours: Promise<string>;
    try {
      ours = this.registry.metrics();
    } finally {
      this.current = null; // the families have read it: prom-client calls every get() before it awaits
    }
    // Two registries' text, one after the other: families of distinct names, one exposition.
    return `${await processMetrics().metrics()}\n${await ours}`;
  }

  /** A prom-client metric (what Registry.registerMetric takes) whose samples come from the snapshot. */
  private metricOf(family: Family) {
    const get = () => {
      const snapshot = this.current;
      const values = snapshot === null ? [] : family.samples(snapshot);
      return Promise.resolve({ name: family.name, help: family.help, type: family.type, values, aggregator: 'sum' as const });
    };
    return { name: family.name, help: family.help, type: family.type, aggregator: 'sum', get, reset: () => undefined };
  }
}

/**
 * On-demand scaling. AWS publishes the rule's shape, not its parameters: an on-demand stream
 * "accommodates up to double the peak write throughput observed", and "when the incoming traffic
 * exceeds 500 KB/s per shard, it splits the shard within 15 minutes", evenly. Riffle's rule, with
 * its parameters as options:
 *
 * - every shard's writes (bytes of keys and data, and records, throttled ones too: what producers
 *   asked for) are averaged over `--on-demand-window-ms` (60 s), in ten steps;
 * - a shard whose average is above `--on-demand-split-percent` (50, AWS's 500 KB/s) of its bytes or
 *   records limit, over a full window, is split at the middle of its hash key range, the hottest
 *   first, one reshard per stream at a time (the stream is UPDATING meanwhile, as for SplitShard);
 * - so capacity grows until every shard is below half its limit: at least double the demand. Shards
 *   are not merged back (AWS does not say when it does), and the account shard limit caps growth.
 */
import type { RiffleConfig } from '../config.js';
import { isOpen } from './lineage.js';
import { STREAM_MODE, STREAM_STATUS, type Shard, type Stream } from './model.js';
import type { StreamRegistry } from './registry.js';
import type { Resharder } from './reshard.js';

/** Steps per window: the average moves by a tenth of the window at a time. */
const STEPS = 10;

interface Samples {
  lastBytes: number;
  lastRecords: number;
  bytes: Float64Array;
  records: Float64Array;
  /** Steps seen (a shard is judged only over a full window). */
  seen: number;
}

export class OnDemandScaler {
  private readonly samples = new WeakMap<Shard, Samples>();
  private timer: NodeJS.Timeout | null = null;
  private step = 0;
  /** Streams whose failure to scale was said (once each). */
  private readonly warned = new WeakSet<Stream>();

  constructor(
    private readonly config: RiffleConfig,
    private readonly streams: StreamRegistry,
    private readonly reshards: Resharder,
  ) {}

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.tick(), this.config.onDemandWindowMs / STEPS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One step: sample every on-demand stream's open shards, and split the hottest over the threshold. */
  tick(): void {
    const slot = this.step++ % STEPS;
    for (const stream of this.streams.all()) {
      if (stream.mode !== STREAM_MODE.ON_DEMAND) continue;
      const hottest = this.sample(stream, slot);
      if (hottest === null || stream.status !== STREAM_STATUS.ACTIVE) continue;
      this.reshards.autoSplit(stream, hottest).catch((err: unknown) => {
        // The account's shard limit, most likely: said once, and the stream stays as it is.
        if (!this.warned.has(stream)) console.error(`riffle: on-demand stream ${stream.name} could not scale: ${(err as Error).message}`);
        this.warned.add(stream);
      });
    }
  }

  /** Records this step's writes per shard; the hottest shard over the threshold for a full window, or null. */
  private sample(stream: Stream, slot: number): Shard | null {
    const windowSec = this.config.onDemandWindowMs / 1000;
    const limits = this.config.limits;
    const threshold = this.config.onDemandSplitPercent / 100;
    let hottest: Shard | null = null;
    let hottestUse = threshold;
    for (const shard of stream.shards) {
      if (!isOpen(shard)) continue;
      let s = this.samples.get(shard);
      if (s === undefined) {
        s = { lastBytes: shard.demandBytes, lastRecords: shard.demandRecords, bytes: new Float64Array(STEPS), records: new Float64Array(STEPS), seen: 0 };
        this.samples.set(shard, s);
        continue;
      }
      s.bytes[slot] = shard.demandBytes - s.lastBytes;
      s.records[slot] = shard.demandRecords - s.lastRecords;
      s.lastBytes = shard.demandBytes;
      s.lastRecords = shard.demandRecords;
      s.seen++;
      if (s.seen < STEPS) continue;
      const use = Math.max(sum(s.bytes) / windowSec / limits.writeBytesPerSec, sum(s.records) / windowSec / limits.writeRecordsPerSec);
      if (use > hottestUse) {
        hottest = shard;
        hottestUse = use;
      }
    }
    return hottest;
  }
}

function sum(a: Float64Array): number {
  let t = 0;
  for (const v of a) t += v;
  return t;
}

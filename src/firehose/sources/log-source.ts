import type { InternalLog, InternalLogs } from '../../engine/internal-logs.js';
import type { Positions } from '../delivery/batch.js';
import type { Delivery, DeliverySource } from '../delivery/delivery.js';

/** Bytes asked of the log per read (a reply must fit half the owner's reply ring, 16 MiB). */
const READ_BYTES_MAX = 4 * 1024 * 1024;
/** After a failed read (not a stop), wait this long before the next. */
const READ_RETRY_MS = 1000;
/** The one source name of a DirectPut delivery's positions (its checkpoint's nextSeq). */
export const LOG_SOURCE = 'log';

/**
 * A DirectPut delivery stream's records: its internal log, read from the checkpoint on. A read
 * that finds nothing waits at the owner and is answered with the next append (no polling); reading
 * pauses while the batch is full.
 */
export class LogSource implements DeliverySource {
  private stopped = false;
  private sleeping: NodeJS.Timeout | null = null;

  readonly start: Positions;

  constructor(
    private readonly logs: InternalLogs,
    private readonly log: InternalLog,
    private readSeq: number,
  ) {
    this.start = new Map([[LOG_SOURCE, readSeq]]);
  }

  begin(delivery: Delivery): void {
    void this.loop(delivery);
  }

  stop(): void {
    this.stopped = true;
    if (this.sleeping !== null) clearTimeout(this.sleeping);
  }

  private async loop(delivery: Delivery): Promise<void> {
    while (!this.stopped) {
      if (!delivery.hasRoom) {
        await delivery.whenRoom();
        continue;
      }
      let read;
      try {
        read = await this.logs.read(this.log, this.readSeq, Math.min(READ_BYTES_MAX, delivery.room), true);
      } catch (err) {
        if (this.stopped) return;
        delivery.log(`riffle: firehose ${delivery.name}: cannot read its log (${(err as Error).message}); retrying`);
        await new Promise<void>((resolve) => {
          this.sleeping = setTimeout(resolve, READ_RETRY_MS);
          this.sleeping.unref();
        });
        continue;
      }
      if (this.stopped) return;
      if (read.count > 0 || read.nextSeq !== this.readSeq) delivery.intake.add(LOG_SOURCE, read.bytes, read.count, read.nextSeq);
      this.readSeq = read.nextSeq;
      delivery.added();
    }
  }
}

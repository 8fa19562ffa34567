import { AwsError } from '../aws/errors.js';
import { DELIVERY_STREAM_STATUS, type DeliveryStream } from './model.js';

/** Delivery streams by name, with AWS's wording when one is missing. */
export class DeliveryStreamRegistry {
  private readonly byName = new Map<string, DeliveryStream>();

  constructor(
    private readonly region: string,
    private readonly account: string,
  ) {}

  arnFor(name: string): string {
    return `arn:aws:firehose:${this.region}:${this.account}:deliverystream/${name}`;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  add(d: DeliveryStream): void {
    if (this.byName.has(d.name)) throw new Error(`delivery stream ${d.name} registered twice`);
    this.byName.set(d.name, d);
  }

  /** Removes `d` if it is still the one registered under its name. */
  remove(d: DeliveryStream): boolean {
    if (this.byName.get(d.name) !== d) return false;
    return this.byName.delete(d.name);
  }

  /** The delivery stream, in any state, or ResourceNotFoundException. */
  get(name: string): DeliveryStream {
    const d = this.byName.get(name);
    if (d === undefined) throw this.notFound(name);
    return d;
  }

  /** For PutRecord and PutRecordBatch: the stream if it is ACTIVE ("sending data to a stream that is not ACTIVE raises an exception"). */
  active(name: string): DeliveryStream {
    const d = this.get(name);
    if (d.status !== DELIVERY_STREAM_STATUS.ACTIVE) throw this.notFound(name);
    return d;
  }

  notFound(name: string): AwsError {
    // As AWS words it: "Firehose turbottest64101 under account 632902152528 not found."
    return new AwsError('ResourceNotFoundException', `Firehose ${name} under account ${this.account} not found.`);
  }

  all(): IterableIterator<DeliveryStream> {
    return this.byName.values();
  }

  get size(): number {
    return this.byName.size;
  }

  /** Names in alphabetical (code point) order, as ListDeliveryStreams returns them. */
  sortedNames(): string[] {
    return [...this.byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

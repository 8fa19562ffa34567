import type { Consumer } from '../engine/model.js';

/** A consumer as RegisterStreamConsumer and ListStreamConsumers return it (AWS's Consumer shape). */
export function consumerShape(c: Consumer): Record<string, unknown> {
  return { ConsumerName: c.name, ConsumerARN: c.arn, ConsumerStatus: c.status, ConsumerCreationTimestamp: new Date(c.createdMs) };
}

import { ITERATOR_TYPES, type IteratorType } from '../../engine/read-path.js';
import { defineOperation } from '../operation.js';
import { refOf, SequenceNumber, ShardId, streamRefMembers, type StreamRefInput } from '../shapes.js';

interface Input extends StreamRefInput {
  ShardId: string;
  ShardIteratorType: IteratorType;
  StartingSequenceNumber?: string;
  /** Epoch milliseconds after validation. */
  Timestamp?: number;
}

export const getShardIterator = defineOperation<Input>({
  name: 'GetShardIterator',
  members: {
    ShardId: { ...ShardId, required: true },
    ShardIteratorType: { type: 'String', required: true, enum: ITERATOR_TYPES },
    StartingSequenceNumber: SequenceNumber,
    ...streamRefMembers,
    Timestamp: { type: 'Timestamp' },
  },
  async run(engine, input) {
    const iterator = await engine.reads.getShardIterator(
      refOf(input),
      input.ShardId,
      input.ShardIteratorType,
      input.StartingSequenceNumber,
      input.Timestamp,
    );
    return { ShardIterator: iterator };
  },
});

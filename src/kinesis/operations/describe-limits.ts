import { ON_DEMAND_STREAM_LIMIT } from '../../engine/stream.js';
import { defineOperation } from '../operation.js';

export const describeLimits = defineOperation<Record<string, never>>({
  name: 'DescribeLimits',
  members: {},
  run(engine) {
    return {
      ShardLimit: engine.config.shardLimit,
      OpenShardCount: engine.openShardCount(),
      OnDemandStreamCount: engine.onDemandStreamCount(),
      OnDemandStreamCountLimit: ON_DEMAND_STREAM_LIMIT,
    };
  },
});

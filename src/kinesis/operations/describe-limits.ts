import { ON_DEMAND_STREAM_LIMIT } from '../../limits.js';
import { defineOperation } from '../operation.js';

export const describeLimits = defineOperation<Record<string, never>>({
  name: 'DescribeLimits',
  members: {},
  run(engine) {
    return {
      ShardLimit: engine.config.shardLimit,
      OpenShardCount: engine.streams.openShardCount(),
      OnDemandStreamCount: engine.streams.onDemandStreamCount(),
      OnDemandStreamCountLimit: ON_DEMAND_STREAM_LIMIT,
    };
  },
});

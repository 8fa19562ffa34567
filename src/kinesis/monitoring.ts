import { SHARD_LEVEL_METRICS } from '../engine/stream-settings.js';
import { defineOperation } from './operation.js';
import { refOf, streamRefMembers, type StreamRefInput } from './shapes.js';

export interface MonitoringInput extends StreamRefInput {
  ShardLevelMetrics: string[];
}

const METRICS = [...SHARD_LEVEL_METRICS, 'ALL'];

/**
 * Enable- and DisableEnhancedMonitoring: same members, same answer (the metrics before and after
 * the call, ALL written out as the seven names), opposite effect. The names are kept per stream
 * and reported in DescribeStream and DescribeStreamSummary's EnhancedMonitoring.
 */
export function monitoringOperation(name: string, enable: boolean) {
  return defineOperation<MonitoringInput>({
    name,
    members: {
      ...streamRefMembers,
      ShardLevelMetrics: { type: 'List', required: true, min: 1, max: 7, member: { type: 'String', enum: METRICS } },
    },
    run(engine, input) {
      const { stream, current, desired } = engine.settings.setMonitoring(refOf(input), input.ShardLevelMetrics, enable);
      return { StreamName: stream.name, StreamARN: stream.arn, CurrentShardLevelMetrics: current, DesiredShardLevelMetrics: desired };
    },
  });
}

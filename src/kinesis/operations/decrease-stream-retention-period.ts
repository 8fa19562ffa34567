import { retentionOperation } from '../retention.js';

export const decreaseStreamRetentionPeriod = retentionOperation('DecreaseStreamRetentionPeriod', 'decrease');

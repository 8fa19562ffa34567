import { retentionOperation } from '../retention.js';

export const increaseStreamRetentionPeriod = retentionOperation('IncreaseStreamRetentionPeriod', 'increase');

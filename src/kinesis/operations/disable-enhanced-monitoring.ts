import { monitoringOperation } from '../monitoring.js';

export const disableEnhancedMonitoring = monitoringOperation('DisableEnhancedMonitoring', false);

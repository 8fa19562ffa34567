import { monitoringOperation } from '../monitoring.js';

export const enableEnhancedMonitoring = monitoringOperation('EnableEnhancedMonitoring', true);

import { encryptionOperation } from '../encryption.js';

export const startStreamEncryption = encryptionOperation('StartStreamEncryption', true);

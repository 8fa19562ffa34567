import { encryptionOperation } from '../encryption.js';

export const stopStreamEncryption = encryptionOperation('StopStreamEncryption', false);

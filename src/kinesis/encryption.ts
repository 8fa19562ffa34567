import { defineOperation } from './operation.js';
import { refOf, streamRefMembers, type StreamRefInput } from './shapes.js';

export interface EncryptionInput extends StreamRefInput {
  EncryptionType: string;
  KeyId: string;
}

/**
 * Start- and StopStreamEncryption: the stream is UPDATING for --update-stream-ms, then its
 * EncryptionType (KMS or NONE) and KeyId are as asked. Riffle records the key; the data itself
 * is not encrypted (there is no KMS here).
 */
export function encryptionOperation(name: string, start: boolean) {
  return defineOperation<EncryptionInput>({
    name,
    members: {
      ...streamRefMembers,
      EncryptionType: { type: 'String', required: true, enum: ['NONE', 'KMS'] },
      KeyId: { type: 'String', required: true, min: 1, max: 2048 },
    },
    run(engine, input) {
      engine.settings.setEncryption(refOf(input), input.EncryptionType, input.KeyId, start);
      return {};
    },
  });
}

import { AwsError } from '../aws/errors.js';

/** AWS tag keys and values: Unicode letters, digits, white space, and _ . / = + - % @ */
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_./=+\-%@]*$/u;

export function checkTagCharacters(values: Iterable<string>): void {
  for (const v of values) {
    if (!TAG_CHARS.test(v)) {
      throw new AwsError(
        'InvalidArgumentException',
        'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
      );
    }
  }
}

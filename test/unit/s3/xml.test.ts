import { describe, expect, it } from 'vitest';
import { errorDocument, escapeXml, xmlDocument } from '../../../src/s3/xml.js';

describe('S3 XML', () => {
  it('escapes markup and control characters', () => {
    expect(escapeXml(`a&b<c>"d"'e'`)).toBe('a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;');
    expect(escapeXml('line\r\nend\u0001')).toBe('line&#xD;&#xA;end&#x1;');
    expect(escapeXml('é😀')).toBe('é😀');
  });

  it('writes the error document S3 sends', () => {
    expect(errorDocument('NoSuchBucket', 'The specified bucket does not exist', [['BucketName', 'a<b']], 'RID', 'HID')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>' +
        '<BucketName>a&lt;b</BucketName><RequestId>RID</RequestId><HostId>HID</HostId></Error>',
    );
  });

  it('puts documents in the S3 namespace', () => {
    expect(xmlDocument('LocationConstraint', '')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>',
    );
  });
});

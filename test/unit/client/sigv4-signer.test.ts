import { describe, expect, it } from 'vitest';
import { SignatureV4 } from '@smithy/signature-v4';
import { presignUrl, PRESIGN_EXPIRES_S, signHeaders } from 'riffle/internal';
import { Sha256 } from '../../smithy-sha256.js';

// The Producer's signer against an independent SigV4 implementation, @smithy/signature-v4 (what
// SDK v3 signs with): the same request at the same instant must carry the same signature. The
// server verifies with the same primitives the signer uses (src/sigv4-core.ts), so the
// integration tests alone could not catch a mistake both share; this one can.
const AT = Date.UTC(2026, 2, 4, 5, 6, 7);
const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const TEMPORARY = { ...KEYS, sessionToken: 'FwoGZXIvYXdzEXAMPLE/token+with=odd&chars' };

const smithy = (credentials: typeof KEYS & { sessionToken?: string }, region = 'eu-west-2') =>
  new SignatureV4({ credentials, region, service: 'kinesis', sha256: Sha256, applyChecksum: false });

describe('SigV4 signer (client/sigv4-signer.ts)', () => {
  for (const [label, credentials] of [['long-term keys', KEYS], ['a session token', TEMPORARY]] as const) {
    it(`signs a PutRecords request as @smithy/signature-v4 does, with ${label}`, async () => {
      const body = Buffer.from(JSON.stringify({ StreamName: 's', Records: [{ PartitionKey: 'k', Data: 'dmFsdWU=' }] }));
      const headers = { host: '127.0.0.1:4567', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.PutRecords' };
      const mine = signHeaders({ credentials, region: 'eu-west-2' }, { method: 'POST', path: '/', headers, body }, AT);
      const theirs = await smithy(credentials).sign(
        { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4567, path: '/', headers: { ...headers }, body, query: {} },
        { signingDate: new Date(AT) },
      );
      expect(mine.authorization).toBe(theirs.headers.authorization);
      expect(mine['x-amz-date']).toBe(theirs.headers['x-amz-date']);
      expect(mine['x-amz-security-token']).toBe(theirs.headers['x-amz-security-token']);
      expect(mine.authorization).toContain(`Credential=AKIDEXAMPLE/20260304/eu-west-2/kinesis/aws4_request`);
    });

    it(`presigns the WebSocket upgrade URL as @smithy/signature-v4 does, with ${label}`, async () => {
      const mine = new URL(presignUrl({ credentials, region: 'eu-west-2' }, new URL('ws://127.0.0.1:4568/ingest'), AT));
      const theirs = await smithy(credentials).presign(
        { method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: 4568, path: '/ingest', headers: { host: '127.0.0.1:4568' }, query: {} },
        { signingDate: new Date(AT), expiresIn: PRESIGN_EXPIRES_S },
      );
      expect(`${mine.protocol}//${mine.host}${mine.pathname}`).toBe('ws://127.0.0.1:4568/ingest');
      expect(Object.fromEntries(mine.searchParams)).toEqual(theirs.query);
      expect(mine.searchParams.get('X-Amz-Security-Token')).toBe(credentials === TEMPORARY ? TEMPORARY.sessionToken : null);
    });
  }

  it('signs at the instant it is given: a second later is another date and signature', () => {
    const url = new URL('ws://localhost:4568/ingest');
    const a = new URL(presignUrl({ credentials: KEYS, region: 'us-east-1' }, url, AT));
    const b = new URL(presignUrl({ credentials: KEYS, region: 'us-east-1' }, url, AT + 1000));
    expect([a.searchParams.get('X-Amz-Date'), b.searchParams.get('X-Amz-Date')]).toEqual(['20260304T050607Z', '20260304T050608Z']);
    expect(a.searchParams.get('X-Amz-Signature')).not.toBe(b.searchParams.get('X-Amz-Signature'));
  });
});

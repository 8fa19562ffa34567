// Start-up checks shared by both endpoints: bad options fail before binding, naming the option and
// its range; a taken fixed port fails instead of being shared.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startAwsEndpoint } from '../../../src/server/aws-endpoint.js';
import { startUwsEndpoint } from '../../../src/server/uws-adapter.js';
import { TestService } from './helpers.js';

describe.each([
  ['startAwsEndpoint', startAwsEndpoint],
  ['startUwsEndpoint', startUwsEndpoint],
] as const)('%s options', (_name, start) => {
  const services = [new TestService()];

  it('rejects bad options at start-up, naming the option and range', async () => {
    await expect(start({ host: '127.0.0.1', port: 0, services, maxBodyBytes: 0 })).rejects.toThrow(
      'maxBodyBytes must be an integer in [1024, 1073741824], got 0',
    );
    await expect(start({ host: '127.0.0.1', port: 70000, services })).rejects.toThrow('port must be an integer in [0, 65535], got 70000');
    await expect(start({ host: '127.0.0.1', port: 0, services: [] })).rejects.toThrow('services must name at least one AwsService');
  });

  it('fails on a port that is already taken', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const { port } = holder.address() as net.AddressInfo;
    try {
      await expect(start({ host: '127.0.0.1', port, services })).rejects.toThrow();
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });
});

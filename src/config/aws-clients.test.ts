import { createServer, type Server, type Socket } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbClient } from './aws-clients';
import type { RuntimeConfig } from './function-config';

/** Accepts connections and never answers, like a paused container. */
async function silentServer(): Promise<{ server: Server; url: string; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, sockets };
}

describe('SDK clients', () => {
  it('fail a call to a dependency that never answers after the request timeout, instead of waiting forever', async () => {
    // Arrange
    const silent = await silentServer();
    const config: RuntimeConfig = { logLevel: 'error', s3ForcePathStyle: false, sdkConnectTimeoutMs: 1000, sdkRequestTimeoutMs: 200 };
    // The SDK reads the endpoint from the environment when it sends, so it stays set until then.
    process.env.AWS_ENDPOINT_URL_DYNAMODB = silent.url;
    const client = dynamoDbClient(config);
    const started = Date.now();
    try {
      // Act
      const call = client.send(new GetItemCommand({ TableName: 'images', Key: { imageId: { S: 'x' } } }));

      // Assert: a TimeoutError once each of the SDK's 3 attempts timed out after 200 ms (plus
      // backoff), not a call that waits for as long as the server stays silent.
      await expect(call).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
      client.destroy();
      silent.sockets.forEach((socket) => socket.destroy());
      silent.server.close();
    }
  });
});

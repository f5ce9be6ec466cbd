import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { S3ObjectStore } from '../adapters/s3-object-store';
import { DependencyError } from '../domain/errors';
import { dynamoDbClient, s3Client } from './aws-clients';
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

  it('fail an S3 download whose body stalls half way within the SDK timeout, as a retryable error', async () => {
    // Arrange: headers and 100 of the 1000 announced bytes, then nothing, with the connection open.
    const sockets = new Set<Socket>();
    const server = createHttpServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': '1000' });
      response.write(Buffer.alloc(100, 1));
    });
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.AWS_ENDPOINT_URL_S3 = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const config: RuntimeConfig = { logLevel: 'error', s3ForcePathStyle: true, sdkConnectTimeoutMs: 1000, sdkRequestTimeoutMs: 300 };
    const client = s3Client(config);
    const started = Date.now();
    try {
      // Act
      const download = new S3ObjectStore(client, 'originals').read('user-uploads/u/i.jpg', { maxBytes: 10_000 });

      // Assert
      const failure = await download.catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DependencyError);
      expect(failure).toMatchObject({ retryable: true, operation: 'GetObject', message: expect.stringMatching(/TimeoutError/) });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_S3;
      client.destroy();
      sockets.forEach((socket) => socket.destroy());
      server.close();
    }
  });
});
